package workflows

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// FundCheck is what fund:screen knows about one application.
type FundCheck struct {
	// StudentVerified: the applicant's student profile is verified.
	StudentVerified bool
	// ShopVerified: the shop named in the application is the applicant's
	// and is verified.
	ShopVerified bool
	// OtherOpenID is another open application of the applicant to the same
	// programme ("" when there is none).
	OtherOpenID string
	AmountFen   int64
	MaxGrantFen int64
	// OpensAt and ClosesAt bound the programme; Now is when the check runs.
	OpensAt, ClosesAt, Now time.Time
}

// ScreenFund applies the eligibility rules and returns every rule the
// application breaks, each with what the applicant can do about it.
func ScreenFund(c FundCheck) []models.Reason {
	var reasons []models.Reason
	if !c.StudentVerified {
		reasons = append(reasons, NewReason("", msg.FundStudentNotVerified))
	}
	if !c.ShopVerified {
		reasons = append(reasons, NewReason("shop_id", msg.FundShopNotVerified))
	}
	if c.OtherOpenID != "" {
		reasons = append(reasons, NewReason("program_id", msg.FundAlreadyApplied, msg.Text("application_id", c.OtherOpenID)))
	}
	if c.AmountFen > c.MaxGrantFen {
		reasons = append(reasons, NewReason("amount_fen", msg.FundAmountOverCap, msg.Fen("max", c.MaxGrantFen)))
	}
	switch {
	case c.Now.Before(c.OpensAt):
		reasons = append(reasons, NewReason("program_id", msg.FundNotOpen, msg.Time("opens_at", c.OpensAt)))
	case !c.Now.Before(c.ClosesAt):
		reasons = append(reasons, NewReason("program_id", msg.FundClosed, msg.Time("closes_at", c.ClosesAt)))
	}
	return reasons
}

// ScoreInput is what the automatic score looks at.
type ScoreInput struct {
	AmountFen   int64
	MaxGrantFen int64
	// ShopVerifiedFor is how long the shop has been verified.
	ShopVerifiedFor time.Duration
}

// Automatic score weights: a modest ask and a shop with a track record.
// The total is 0 to 100.
const (
	scoreAskMax       = 60
	scoreAskMin       = 20
	scoreShopMax      = 40
	scoreShopFullDays = 90
)

// AutoScore is the automatic score screening records for reviewers (0 to
// 100) with the factors it adds up. It is for triage only: it orders
// nothing and decides nothing, and it judges no business plan (a plan's
// length says nothing of its worth; the reviewers judge the plan).
//   - ask: 60 points for at most a quarter of the cap, falling linearly to 20 at the cap;
//   - shop: up to 40 points, in proportion to the days the shop has been verified, up to 90.
func AutoScore(in ScoreInput) (int, []models.ScoreFactor) {
	ask := scoreAskMin
	quarter := in.MaxGrantFen / 4
	switch {
	case in.MaxGrantFen <= 0 || in.AmountFen > in.MaxGrantFen:
		ask = 0
	case in.AmountFen <= quarter:
		ask = scoreAskMax
	default:
		// Linear from 60 at a quarter of the cap to 20 at the cap, in integers.
		over, span := in.AmountFen-quarter, in.MaxGrantFen-quarter
		ask = scoreAskMax - int((over*(scoreAskMax-scoreAskMin)+span-1)/span)
	}

	days := max(0, int(in.ShopVerifiedFor/(24*time.Hour)))
	shop := min(days, scoreShopFullDays) * scoreShopMax / scoreShopFullDays

	factor := func(name string, points, max int, code string, params ...msg.Param) models.ScoreFactor {
		m := msg.New(code, params...)
		return models.ScoreFactor{Name: name, Points: points, Max: max, Code: m.Code, Params: m.Params}
	}
	factors := []models.ScoreFactor{
		factor("ask", ask, scoreAskMax, msg.FundScoreAsk, msg.Fen("amount", in.AmountFen), msg.Fen("cap", in.MaxGrantFen)),
		factor("shop", shop, scoreShopMax, msg.FundScoreShop, msg.Int("days", int64(days)), msg.Int("full", scoreShopFullDays)),
	}
	return ask + shop, factors
}

// ReviewerCandidate is a panel reviewer not yet assigned to the application.
type ReviewerCandidate struct {
	ID        string
	CollegeID *string
	// Open counts the reviewer's assignments still waiting for a review.
	Open int
	// LastAssigned is the reviewer's latest assignment; nil if never assigned.
	LastAssigned *time.Time
}

// PickReviewers chooses up to n reviewers for an application: never the
// applicant, never a reviewer of the applicant's college; fewest open
// assignments first, then the longest since their last assignment (never
// assigned first), then by id so the choice is deterministic.
func PickReviewers(cands []ReviewerCandidate, applicantID, applicantCollegeID string, n int) []string {
	eligible := make([]ReviewerCandidate, 0, len(cands))
	for _, c := range cands {
		if c.ID == applicantID || (c.CollegeID != nil && *c.CollegeID == applicantCollegeID) {
			continue
		}
		eligible = append(eligible, c)
	}
	slices.SortFunc(eligible, func(a, b ReviewerCandidate) int {
		if d := cmp.Compare(a.Open, b.Open); d != 0 {
			return d
		}
		switch {
		case a.LastAssigned == nil && b.LastAssigned != nil:
			return -1
		case a.LastAssigned != nil && b.LastAssigned == nil:
			return 1
		case a.LastAssigned != nil:
			if d := a.LastAssigned.Compare(*b.LastAssigned); d != 0 {
				return d
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	ids := make([]string, 0, min(n, len(eligible)))
	for _, c := range eligible[:min(n, len(eligible))] {
		ids = append(ids, c.ID)
	}
	return ids
}

// ReviewTally counts an application's reviews.
type ReviewTally struct {
	Approvals  int
	Rejections int
	// Outstanding counts assignments still waiting for a review.
	Outstanding int
	// ScoreSum adds up the scores of the reviews in.
	ScoreSum int
}

// FundRules are the programme's decision settings.
type FundRules struct {
	ApprovalsRequired int
	// MinMeanScore is the bar the mean review score must reach (two decimals count).
	MinMeanScore float64
}

// DecideFund decides an application from its reviews: rejected as soon as
// the required approvals can no longer be reached; otherwise, once every
// review is in, approved when the approvals are enough and the mean score
// meets the bar, else rejected. state is "" while the outcome is open; why
// says what decided it (msg.FundRejectedByReviews, msg.FundScoreBelowBar or
// msg.FundApprovedByReviews). Approval is subject to the budget, which the
// caller checks.
func DecideFund(r FundRules, t ReviewTally) (state string, why msg.Message) {
	in := t.Approvals + t.Rejections
	if t.Approvals+t.Outstanding < r.ApprovalsRequired {
		return FundRejected, msg.New(msg.FundRejectedByReviews, msg.Int("rejections", int64(t.Rejections)),
			msg.Int("reviews", int64(in+t.Outstanding)), msg.Int("required", int64(r.ApprovalsRequired)))
	}
	if t.Outstanding > 0 || in == 0 {
		return "", msg.Message{}
	}
	bar := int(math.Round(r.MinMeanScore * 100))
	mean := fmt.Sprintf("%.2f", float64(t.ScoreSum)/float64(in))
	if t.ScoreSum*100 < bar*in {
		return FundRejected, msg.New(msg.FundScoreBelowBar, msg.Text("mean", mean), msg.Text("bar", fmt.Sprintf("%.2f", r.MinMeanScore)))
	}
	return FundApproved, msg.New(msg.FundApprovedByReviews, msg.Int("approvals", int64(t.Approvals)),
		msg.Int("reviews", int64(in)), msg.Text("mean", mean))
}
