package api_test

import (
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workers"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// The worker's workflow collector reports the application in review, the
// states no entity is in at zero, and its two reviews once they are past
// due.
func TestWorkflowCollectorCountsStatesAndOverdueReviews(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	a.inReview()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&workers.WorkflowCollector{DB: a.schema.DB})
	read := func() (map[string]float64, float64) {
		families, err := reg.Gather()
		require.NoError(t, err)
		states, overdue := map[string]float64{}, -1.0
		for _, f := range families {
			for _, m := range f.GetMetric() {
				switch f.GetName() {
				case "campusbiz_workflow_entities":
					labels := map[string]string{}
					for _, l := range m.GetLabel() {
						labels[l.GetName()] = l.GetValue()
					}
					states[labels["workflow"]+"/"+labels["state"]] = m.GetGauge().GetValue()
				case "campusbiz_fund_reviews_overdue":
					overdue = m.GetGauge().GetValue()
				case "campusbiz_workflow_scrape_ok":
					require.Equal(t, 1.0, m.GetGauge().GetValue())
				}
			}
		}
		return states, overdue
	}
	states, overdue := read()
	require.Equal(t, 1.0, states["fund/in_review"])
	require.Contains(t, states, "fund/disbursed", "an empty state reads 0")
	require.Zero(t, states["fund/disbursed"])
	require.Equal(t, 1.0, states["shop/verified"])
	require.Zero(t, overdue, "the reviews are not due yet")

	require.NoError(t, a.schema.DB.Exec(`UPDATE fund_reviews SET due_at = ?`, time.Now().Add(-time.Hour)).Error)
	_, overdue = read()
	require.Equal(t, 2.0, overdue)
}
