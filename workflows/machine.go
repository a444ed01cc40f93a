package workflows

import "github.com/campusbiz/campusbiz/workflows/engine"

// Onboarding states.
const (
	OnboardingPending = "pending"
	// OnboardingAwaitingEmail: the automatic checks passed; the profile
	// waits for the one-time code mailed to its college address.
	OnboardingAwaitingEmail = "awaiting_email"
	OnboardingVerified      = "verified"
	OnboardingRejected      = "rejected"
	OnboardingNeedsInfo     = "needs_info"
	// OnboardingRevoked: an admin upheld another student's dispute of this
	// verification (docs/DISPUTES.md).
	OnboardingRevoked = "revoked"
)

// OnboardingMachine is the student profile's workflow. The automatic checks
// (onboarding:verify) end in awaiting_email, needs_info or rejected; only
// the applicant's confirmation of the code mailed to the college address
// moves awaiting_email to verified (or to rejected, when another profile
// was verified with the same student number meanwhile). Rejected,
// needs_info and awaiting_email profiles (a mistyped address) may be
// resubmitted, which takes them back to pending.
//
// awaiting_email is not final: the workflow goes on when the applicant
// types the code (a chaos run counts it as settled: it waits for a person).
var OnboardingMachine = engine.Machine{
	Entity:  "onboarding",
	Initial: OnboardingPending,
	Transitions: map[string][]string{
		OnboardingPending:       {OnboardingAwaitingEmail, OnboardingRejected, OnboardingNeedsInfo},
		OnboardingAwaitingEmail: {OnboardingVerified, OnboardingRejected, OnboardingPending},
		OnboardingRejected:      {OnboardingPending},
		OnboardingNeedsInfo:     {OnboardingPending},
		OnboardingVerified:      {OnboardingRevoked},
	},
	Final: []string{OnboardingVerified, OnboardingRejected, OnboardingNeedsInfo, OnboardingRevoked},
}
