package workers

import (
	"context"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// OutboxCollector reports the outbox's unfinished work per queue at each
// scrape: tasks waiting for the relay (due and not yet handed to Asynq) and
// the age of the oldest, tasks in flight (handed over, not completed), and
// tasks that failed for good. A growing backlog or an old waiting task means
// the relay or Redis is behind; what completes leaves the outbox.
type OutboxCollector struct {
	DB *gorm.DB
	// Timeout bounds the scrape's query. Defaults to 2 s.
	Timeout time.Duration
}

var (
	outboxWaiting = prometheus.NewDesc("campusbiz_outbox_waiting",
		"Due outbox tasks not yet handed to Asynq, by queue.", []string{"queue"}, nil)
	outboxOldest = prometheus.NewDesc("campusbiz_outbox_oldest_waiting_seconds",
		"Age of the oldest due outbox task not yet handed to Asynq, by queue (0 when none waits).", []string{"queue"}, nil)
	outboxInFlight = prometheus.NewDesc("campusbiz_outbox_in_flight",
		"Outbox tasks handed to Asynq and not completed, by queue.", []string{"queue"}, nil)
	outboxFailed = prometheus.NewDesc("campusbiz_outbox_failed",
		"Outbox tasks that failed for good (archived), by queue.", []string{"queue"}, nil)
	outboxUp = prometheus.NewDesc("campusbiz_outbox_scrape_ok",
		"1 when the outbox could be read at this scrape, 0 when not.", nil, nil)
)

// Describe sends the collector's descriptors.
func (c *OutboxCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{outboxWaiting, outboxOldest, outboxInFlight, outboxFailed, outboxUp} {
		ch <- d
	}
}

// scrapeContext bounds a collector's queries by timeout (2 s when zero).
func scrapeContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return context.WithTimeout(context.Background(), timeout)
}

// outboxRow is one queue's counts.
type outboxRow struct {
	Queue         string
	Waiting       int64
	OldestSeconds float64
	InFlight      int64
	Failed        int64
}

// Collect reads the outbox's counts in one query.
func (c *OutboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := scrapeContext(c.Timeout)
	defer cancel()
	var rows []outboxRow
	err := c.DB.WithContext(ctx).Raw(`SELECT queue,
		count(*) FILTER (WHERE dispatched_at IS NULL AND process_at <= now()) AS waiting,
		coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE dispatched_at IS NULL AND process_at <= now())), 0)
			AS oldest_seconds,
		count(*) FILTER (WHERE dispatched_at IS NOT NULL AND failed_at IS NULL) AS in_flight,
		count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
		FROM outbox GROUP BY queue`).Scan(&rows).Error
	if err != nil {
		ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 1)
	for queue := range engine.QueueWeights { // an empty queue reads 0, not "no data"
		if !slices.ContainsFunc(rows, func(r outboxRow) bool { return r.Queue == queue }) {
			rows = append(rows, outboxRow{Queue: queue})
		}
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(outboxWaiting, prometheus.GaugeValue, float64(r.Waiting), r.Queue)
		ch <- prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, r.OldestSeconds, r.Queue)
		ch <- prometheus.MustNewConstMetric(outboxInFlight, prometheus.GaugeValue, float64(r.InFlight), r.Queue)
		ch <- prometheus.MustNewConstMetric(outboxFailed, prometheus.GaugeValue, float64(r.Failed), r.Queue)
	}
}
