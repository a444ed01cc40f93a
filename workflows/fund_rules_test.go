package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestScreenFund(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	valid := FundCheck{StudentVerified: true, ShopVerified: true, AmountFen: 1_000_000, MaxGrantFen: 2_000_000,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), Now: now}
	require.Empty(t, ScreenFund(valid))
	cases := []struct {
		name   string
		change func(*FundCheck)
		want   models.Reason
	}{
		{"student not verified", func(c *FundCheck) { c.StudentVerified = false }, models.Reason{Code: msg.FundStudentNotVerified}},
		{"shop not verified or not theirs", func(c *FundCheck) { c.ShopVerified = false },
			models.Reason{Field: "shop_id", Code: msg.FundShopNotVerified}},
		{"another open application", func(c *FundCheck) { c.OtherOpenID = "01" },
			models.Reason{Field: "program_id", Code: msg.FundAlreadyApplied, Params: map[string]any{"application_id": "01"}}},
		{"above the cap", func(c *FundCheck) { c.AmountFen = c.MaxGrantFen + 1 },
			models.Reason{Field: "amount_fen", Code: msg.FundAmountOverCap, Params: map[string]any{"max": int64(2_000_000)}}},
		{"not open yet", func(c *FundCheck) { c.OpensAt = now.Add(time.Second) },
			models.Reason{Field: "program_id", Code: msg.FundNotOpen, Params: map[string]any{"opens_at": now.Add(time.Second)}}},
		{"closed at the closing instant", func(c *FundCheck) { c.ClosesAt = now },
			models.Reason{Field: "program_id", Code: msg.FundClosed, Params: map[string]any{"closes_at": now}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.change(&c)
			require.Equal(t, []models.Reason{tc.want}, ScreenFund(c))
		})
	}
	t.Run("amount at the cap is allowed", func(t *testing.T) {
		c := valid
		c.AmountFen = c.MaxGrantFen
		require.Empty(t, ScreenFund(c))
	})
	t.Run("every broken rule is reported", func(t *testing.T) {
		require.Len(t, ScreenFund(FundCheck{AmountFen: 2, MaxGrantFen: 1, OpensAt: now, ClosesAt: now, Now: now, OtherOpenID: "x"}), 5)
	})
}

func TestAutoScore(t *testing.T) {
	t.Parallel()
	cap := int64(2_000_000)
	score := func(in ScoreInput) int { s, _ := AutoScore(in); return s }

	full, factors := AutoScore(ScoreInput{AmountFen: cap / 4, MaxGrantFen: cap, ShopVerifiedFor: 90 * 24 * time.Hour})
	require.Equal(t, 100, full)
	sum := 0
	for _, f := range factors {
		require.LessOrEqual(t, f.Points, f.Max, f.Name)
		sum += f.Points
	}
	require.Equal(t, full, sum, "the factors add up to the score")
	require.Equal(t, []models.ScoreFactor{
		{Name: "ask", Points: 60, Max: 60, Code: msg.FundScoreAsk, Params: map[string]any{"amount": cap / 4, "cap": cap}},
		{Name: "shop", Points: 40, Max: 40, Code: msg.FundScoreShop, Params: map[string]any{"days": int64(90), "full": int64(90)}},
	}, factors, "each factor says what it counted, as a code; the plan is the reviewers' to judge")

	require.Equal(t, 20, score(ScoreInput{AmountFen: cap, MaxGrantFen: cap}), "asking the cap with a new shop")
	require.Equal(t, 60+20, score(ScoreInput{AmountFen: 1, MaxGrantFen: cap, ShopVerifiedFor: 45 * 24 * time.Hour}))
	require.Equal(t, 0, score(ScoreInput{AmountFen: cap + 1, MaxGrantFen: cap}), "above the cap earns no ask points")

	// Monotone: a smaller ask or an older shop never scores less.
	prev := -1
	for amount := cap; amount >= 1; amount -= cap / 97 {
		s := score(ScoreInput{AmountFen: amount, MaxGrantFen: cap})
		require.GreaterOrEqual(t, s, prev, "amount %d", amount)
		require.LessOrEqual(t, s, 60)
		prev = s
	}
	prev = -1
	for days := 0; days <= 120; days++ {
		s := score(ScoreInput{AmountFen: cap, MaxGrantFen: cap, ShopVerifiedFor: time.Duration(days) * 24 * time.Hour})
		require.GreaterOrEqual(t, s, prev, "days %d", days)
		prev = s
	}
}

func TestPickReviewers(t *testing.T) {
	t.Parallel()
	at := func(h int) *time.Time { v := time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC); return &v }
	college := func(s string) *string { return &s }
	cands := []ReviewerCandidate{
		{ID: "busy", Open: 3},
		{ID: "recent", Open: 1, LastAssigned: at(10)},
		{ID: "earlier", Open: 1, LastAssigned: at(9)},
		{ID: "never-b", Open: 1},
		{ID: "never-a", Open: 1},
		{ID: "idle", Open: 0, LastAssigned: at(23), CollegeID: college("other")},
		{ID: "same-college", Open: 0, CollegeID: college("c1")},
		{ID: "applicant", Open: 0},
	}
	require.Equal(t, []string{"idle", "never-a", "never-b", "earlier", "recent", "busy"},
		PickReviewers(cands, "applicant", "c1", 10))
	require.Equal(t, []string{"idle", "never-a"}, PickReviewers(cands, "applicant", "c1", 2))
	require.Empty(t, PickReviewers(cands[6:], "applicant", "c1", 2), "neither the applicant nor their college's reviewer")
	require.Equal(t, []string{"same-college"}, PickReviewers(cands[6:7], "applicant", "c2", 2))
}

func TestDecideFund(t *testing.T) {
	t.Parallel()
	rules := FundRules{ApprovalsRequired: 2, MinMeanScore: 6.5}
	cases := []struct {
		tally ReviewTally
		state string
	}{
		{ReviewTally{Outstanding: 2}, ""},
		{ReviewTally{Approvals: 1, Outstanding: 1, ScoreSum: 9}, ""},
		{ReviewTally{Rejections: 1, Outstanding: 1, ScoreSum: 2}, FundRejected}, // approval out of reach
		{ReviewTally{Approvals: 2, ScoreSum: 13}, FundApproved},                 // mean 6.5 meets 6.5
		{ReviewTally{Approvals: 2, ScoreSum: 12}, FundRejected},                 // mean 6.0 below 6.5
		{ReviewTally{Approvals: 2, Rejections: 1, ScoreSum: 20}, FundApproved},  // 20/3 = 6.67
		{ReviewTally{Approvals: 1, Rejections: 1, ScoreSum: 20}, FundRejected},
		{ReviewTally{}, FundRejected}, // nobody can approve any more
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%+v", tc.tally), func(t *testing.T) {
			state, reason := DecideFund(rules, tc.tally)
			require.Equal(t, tc.state, state)
			if state != "" {
				require.NotEmpty(t, reason)
			}
		})
	}
	t.Run("two decimals of the bar count", func(t *testing.T) {
		state, _ := DecideFund(FundRules{ApprovalsRequired: 1, MinMeanScore: 6.67}, ReviewTally{Approvals: 3, ScoreSum: 20})
		require.Equal(t, FundRejected, state, "6.666… is below 6.67")
		state, _ = DecideFund(FundRules{ApprovalsRequired: 1, MinMeanScore: 6.66}, ReviewTally{Approvals: 3, ScoreSum: 20})
		require.Equal(t, FundApproved, state)
	})
}

func TestFundMachine(t *testing.T) {
	t.Parallel()
	m := FundMachine
	require.True(t, m.Allows("", FundSubmitted))
	for _, from := range []string{FundSubmitted, FundScreening, FundInReview, FundApproved, FundWaitlisted} {
		require.True(t, m.Allows(from, FundWithdrawn), "withdraw from %s", from)
	}
	for _, final := range []string{FundDisbursed, FundRejected, FundWithdrawn} {
		require.True(t, m.IsFinal(final))
		require.Empty(t, m.Transitions[final], "%s is final", final)
	}
	require.False(t, m.Allows(FundSubmitted, FundApproved), "no approval without review")
	require.False(t, m.Allows(FundWaitlisted, FundDisbursed), "no payment without a reservation")
	require.True(t, m.Allows(FundWaitlisted, FundApproved))
}

func TestCheckProgramForm(t *testing.T) {
	t.Parallel()
	opens := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	valid := ProgramForm{Name: "P", BudgetFen: 100, MaxGrantFen: 100, ReviewersPerApplication: 2, ApprovalsRequired: 2,
		MinMeanScore: 6.25, OpensAt: opens, ClosesAt: opens.Add(time.Hour), ReviewerIDs: []string{"a", "b"}}
	require.NoError(t, CheckProgramForm(valid))
	cases := map[string]struct {
		change func(*ProgramForm)
		want   msg.Message
	}{
		"max_grant_fen":      {func(f *ProgramForm) { f.MaxGrantFen = 101 }, msg.New(msg.FundMaxGrantOverBudget)},
		"approvals_required": {func(f *ProgramForm) { f.ApprovalsRequired = 3 }, msg.New(msg.FundApprovalsOverReviewers)},
		"closes_at":          {func(f *ProgramForm) { f.ClosesAt = f.OpensAt }, msg.New(msg.FundClosesBeforeOpens)},
		"min_mean_score":     {func(f *ProgramForm) { f.MinMeanScore = 6.125 }, msg.New(msg.FieldDecimals, msg.Int("max", 2))},
		"reviewer_ids":       {func(f *ProgramForm) { f.ReviewerIDs = []string{"a"} }, msg.New(msg.FundPanelTooSmall, msg.Int("min", 2))},
	}
	for field, tc := range cases {
		f := valid
		tc.change(&f)
		var ve *ValidationError
		require.ErrorAs(t, CheckProgramForm(f), &ve, field)
		require.Equal(t, map[string]msg.Message{field: tc.want}, ve.Fields, field)
	}
	dup := valid
	dup.ReviewerIDs = []string{"a", "a"}
	var ve *ValidationError
	require.ErrorAs(t, CheckProgramForm(dup), &ve)
	require.Equal(t, msg.New(msg.FundPanelDuplicate), ve.Fields["reviewer_ids"])
}
