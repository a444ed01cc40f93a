package workflows_test

import (
	"fmt"
	"time"

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
		state, why := workflows.DecideFund(rules, t)
		if state == "" {
			fmt.Println("open: waiting for reviews")
			continue
		}
		fmt.Printf("%s: %s\n", state, why) // the edge renders why for people
	}
	// Output:
	// open: waiting for reviews
	// approved: fund.approved_by_reviews{approvals=2 mean=7.50 reviews=2}
	// rejected: fund.score_below_bar{bar=7.00 mean=6.50}
	// rejected: fund.rejected_by_reviews{rejections=1 required=2 reviews=2}
}

// The automatic triage score reviewers see, with the factors behind it.
func ExampleAutoScore() {
	score, factors := workflows.AutoScore(workflows.ScoreInput{
		AmountFen: 500_000, MaxGrantFen: 2_000_000, ShopVerifiedFor: 30 * 24 * time.Hour,
	})
	fmt.Println(score)
	for _, f := range factors {
		fmt.Printf("%s %d/%d\n", f.Name, f.Points, f.Max)
	}
	// Output:
	// 73
	// ask 60/60
	// shop 13/40
}
