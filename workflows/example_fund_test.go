package workflows_test

import (
	"fmt"

	"github.com/campusbiz/campusbiz/workflows"
)

// A programme needing two approvals and a mean score of 7: the outcome stays
// open while a review can still change it, and is rejected as soon as
// approval is out of reach.
func ExampleDecideFund() {
	rules := workflows.FundRules{ApprovalsRequired: 2, MinMeanScore: 7}
	for _, t := range []workflows.ReviewTally{
		{Approvals: 1, Outstanding: 1, ScoreSum: 9},
		{Approvals: 2, ScoreSum: 15},
		{Approvals: 2, ScoreSum: 13},
		{Rejections: 1, Outstanding: 1, ScoreSum: 3},
	} {
		state, reason := workflows.DecideFund(rules, t)
		if state == "" {
			state, reason = "open", "waiting for reviews"
		}
		fmt.Printf("%s: %s\n", state, reason)
	}
	// Output:
	// open: waiting for reviews
	// approved: 2 of 2 reviews approved, mean score 7.50
	// rejected: the mean review score 6.50 is below the programme's bar of 7.00
	// rejected: 1 of 2 reviews rejected the application; it needed 2 approvals
}

// The automatic score reviewers see, with the factors behind it.
func ExampleAutoScore() {
	score, factors := workflows.AutoScore(workflows.ScoreInput{
		BusinessPlan: "Sell hand-made jewellery through live streams.", AmountFen: 500_000, MaxGrantFen: 2_000_000,
	})
	fmt.Println(score)
	for _, f := range factors {
		fmt.Printf("%s %d/%d\n", f.Name, f.Points, f.Max)
	}
	// Output:
	// 32
	// plan 2/50
	// ask 30/30
	// shop 0/20
}
