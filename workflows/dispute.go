package workflows

import (
	"strings"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Dispute states and outcomes.
const (
	DisputeOpen      = "pending"
	DisputeUpheld    = "upheld"
	DisputeDismissed = "dismissed"

	// OutcomeRevokeOther upholds a dispute: the other verification is revoked.
	OutcomeRevokeOther = "revoke_other"
	// OutcomeReject dismisses a dispute.
	OutcomeReject = "reject"

	// DisputeStatementMax is the longest statement, in characters.
	DisputeStatementMax = 2000
	// DisputeStatementMin is the shortest statement, in characters.
	DisputeStatementMin = 20
	// DisputeReasonMax is the longest decision reason, in characters.
	DisputeReasonMax = 500
)

// DisputeMachine is a dispute's workflow: an admin upholds or dismisses it.
var DisputeMachine = engine.Machine{
	Entity:      "dispute",
	Initial:     DisputeOpen,
	Transitions: map[string][]string{DisputeOpen: {DisputeUpheld, DisputeDismissed}},
	Final:       []string{DisputeUpheld, DisputeDismissed},
}

// CheckDisputeStatement trims a claimant's statement and checks its length
// (DisputeStatementMin to DisputeStatementMax characters, valid UTF-8, no
// control characters but line breaks and tabs).
func CheckDisputeStatement(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", Invalid("statement", msg.FieldControlChars)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return "", Invalid("statement", msg.FieldControlChars)
		}
	}
	switch n := utf8.RuneCountInString(s); {
	case n < DisputeStatementMin:
		return "", Invalid("statement", msg.FieldTooShort, msg.Int("min", DisputeStatementMin))
	case n > DisputeStatementMax:
		return "", Invalid("statement", msg.FieldTooLong, msg.Int("max", DisputeStatementMax))
	}
	return s, nil
}

// DisputeTarget is the state a decision's outcome moves a dispute to, or
// false for an unknown outcome.
func DisputeTarget(outcome string) (string, bool) {
	switch outcome {
	case OutcomeRevokeOther:
		return DisputeUpheld, true
	case OutcomeReject:
		return DisputeDismissed, true
	}
	return "", false
}
