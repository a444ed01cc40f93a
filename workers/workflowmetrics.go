package workers

import (
	"maps"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// WorkflowCollector reports, at each scrape, how many entities each
// workflow has in each state (the counts migration 00007's triggers keep:
// a few rows, never the workflow tables; every state of the counted
// machines is reported, at zero when empty, so a dashboard never shows "no
// data") and how many fund reviews are overdue (assigned, past their due
// date; a partial index of the assigned ones, migration 00017).
type WorkflowCollector struct {
	DB *gorm.DB
	// Timeout bounds the scrape's queries. Defaults to 2 s.
	Timeout time.Duration
}

var (
	workflowEntities = prometheus.NewDesc("campusbiz_workflow_entities",
		"Entities of each workflow in each state (states with none are left out).", []string{"workflow", "state"}, nil)
	reviewsOverdue = prometheus.NewDesc("campusbiz_fund_reviews_overdue",
		"Fund reviews assigned and past their due date.", nil, nil)
	workflowUp = prometheus.NewDesc("campusbiz_workflow_scrape_ok",
		"1 when the workflow counts could be read at this scrape, 0 when not.", nil, nil)
)

// Describe sends the collector's descriptors.
func (c *WorkflowCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{workflowEntities, reviewsOverdue, workflowUp} {
		ch <- d
	}
}

// countedMachines are the workflows whose states migration 00007 counts.
var countedMachines = []engine.Machine{workflows.OnboardingMachine, workflows.ShopMachine, workflows.FundMachine,
	workflows.InternshipMachine, workflows.EnrollmentMachine, workflows.CertificateMachine}

// machineStates lists every state of m.
func machineStates(m engine.Machine) []string {
	seen := map[string]bool{m.Initial: true}
	for from, tos := range m.Transitions {
		seen[from] = true
		for _, to := range tos {
			seen[to] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Collect reads the state counts and the overdue reviews.
func (c *WorkflowCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := scrapeContext(c.Timeout)
	defer cancel()
	counts, _, err := models.StateCounts(ctx, c.DB)
	var overdue int64
	if err == nil {
		err = c.DB.WithContext(ctx).Raw(`SELECT count(*) FROM fund_reviews WHERE status = 'assigned' AND due_at < now()`).
			Scan(&overdue).Error
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(workflowUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(workflowUp, prometheus.GaugeValue, 1)
	n := map[[2]string]int64{}
	for _, m := range countedMachines {
		for _, state := range machineStates(m) {
			n[[2]string{m.Entity, state}] = 0
		}
	}
	for _, s := range counts {
		n[[2]string{s.Workflow, s.State}] += s.N
	}
	for k, v := range n {
		ch <- prometheus.MustNewConstMetric(workflowEntities, prometheus.GaugeValue, float64(v), k[0], k[1])
	}
	ch <- prometheus.MustNewConstMetric(reviewsOverdue, prometheus.GaugeValue, float64(overdue))
}
