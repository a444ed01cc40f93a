package workers

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// WorkflowCollector reports, at each scrape, how many entities each
// workflow has in each state (the counts migration 00007's triggers keep:
// a few rows, never the workflow tables) and how many fund reviews are
// overdue (assigned, past their due date; a partial index of the assigned
// ones, migration 00017).
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

// Collect reads the state counts and the overdue reviews.
func (c *WorkflowCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
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
	for _, s := range counts {
		ch <- prometheus.MustNewConstMetric(workflowEntities, prometheus.GaugeValue, float64(s.N), s.Workflow, s.State)
	}
	ch <- prometheus.MustNewConstMetric(reviewsOverdue, prometheus.GaugeValue, float64(overdue))
}
