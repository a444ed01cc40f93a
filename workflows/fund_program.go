package workflows

import (
	"math"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// ProgramForm is an admin's new fund programme, already checked for shape.
type ProgramForm struct {
	Name                    string
	BudgetFen               int64
	MaxGrantFen             int64
	ReviewersPerApplication int
	ApprovalsRequired       int
	MinMeanScore            float64
	// ReviewHours is the review deadline; zero means DefaultReviewHours.
	ReviewHours int
	OpensAt     time.Time
	ClosesAt    time.Time
	// ReviewerIDs is the review panel; empty means every reviewer.
	ReviewerIDs []string
}

// DefaultReviewHours is how long reviewers have when a programme says nothing.
const DefaultReviewHours = 72

// CheckProgramForm applies the rules that tie a programme's fields together.
func CheckProgramForm(f ProgramForm) error {
	fields := map[string]msg.Message{}
	if f.MaxGrantFen > f.BudgetFen {
		fields["max_grant_fen"] = msg.New(msg.FundMaxGrantOverBudget)
	}
	if f.ApprovalsRequired > f.ReviewersPerApplication {
		fields["approvals_required"] = msg.New(msg.FundApprovalsOverReviewers)
	}
	if !f.ClosesAt.After(f.OpensAt) {
		fields["closes_at"] = msg.New(msg.FundClosesBeforeOpens)
	}
	if math.Abs(f.MinMeanScore*100-math.Round(f.MinMeanScore*100)) > 1e-6 {
		fields["min_mean_score"] = msg.New(msg.FieldDecimals, msg.Int("max", 2))
	}
	if n := len(f.ReviewerIDs); n > 0 && n < f.ReviewersPerApplication {
		fields["reviewer_ids"] = msg.New(msg.FundPanelTooSmall, msg.Int("min", int64(f.ReviewersPerApplication)))
	}
	sorted := slices.Clone(f.ReviewerIDs)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(f.ReviewerIDs) {
		fields["reviewer_ids"] = msg.New(msg.FundPanelDuplicate)
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}
