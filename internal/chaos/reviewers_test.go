package chaos

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Reviewers mostly approve, reject about one in four of the rest and
// declare a conflict now and then; the same assignment always gets the
// same decision, so a retried step does not change its mind.
func TestDecisionMix(t *testing.T) {
	t.Parallel()
	n := map[string]int{}
	for i := range 6000 {
		id := fmt.Sprintf("01a24e50-0000-7000-8000-%012d", i)
		d := decisionOf(id, i%3)
		require.Equal(t, d, decisionOf(id, i%3))
		n[d]++
	}
	require.InDelta(t, 6000/conflictEvery, n["conflict"], 100)
	require.InDelta(t, (6000-n["conflict"])/rejectEvery, n["reject"], 150)
	require.Equal(t, 6000, n["approve"]+n["reject"]+n["conflict"])
}

func TestFundChecksErrors(t *testing.T) {
	t.Parallel()
	require.Empty(t, FundChecks{}.errs())
	errs := FundChecks{NotDisbursedOnce: []string{"a (approved, 1 disbursements)"}, StuckInReview: 2,
		OverspentSeen: []string{"p: reserved 2 + disbursed 1 > budget 2"}}.errs()
	require.Len(t, errs, 3)
}
