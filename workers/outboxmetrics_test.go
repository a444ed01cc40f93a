package workers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// The outbox collector reports, per queue, the due tasks waiting for the
// relay and the age of the oldest, the tasks in flight and the failed
// ones; tasks not yet due are not waiting.
func TestOutboxCollectorReportsTheBacklog(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	now := time.Now()
	row := func(queue string, created time.Time, processAt time.Time, dispatched, failed *time.Time) {
		require.NoError(t, db.Exec(`INSERT INTO outbox (id, task_type, payload, queue, process_at, max_retry, timeout_seconds,
			created_at, dispatched_at, failed_at) VALUES (?, 'x:y', '{}', ?, ?, 3, 30, ?, ?, ?)`,
			models.NewID(), queue, processAt, created, dispatched, failed).Error)
	}
	past := now.Add(-90 * time.Second)
	row("default", past, past, nil, nil)                                         // waiting, 90 s old
	row("default", now.Add(-10*time.Second), now.Add(-10*time.Second), nil, nil) // waiting
	row("default", now, now.Add(time.Hour), nil, nil)                            // scheduled later: not waiting
	row("default", past, past, &now, nil)                                        // in flight
	row("critical", past, past, &now, &now)                                      // failed

	c := &workers.OutboxCollector{DB: db}
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP campusbiz_outbox_failed Outbox tasks that failed for good (archived), by queue.
# TYPE campusbiz_outbox_failed gauge
campusbiz_outbox_failed{queue="critical"} 1
campusbiz_outbox_failed{queue="default"} 0
campusbiz_outbox_failed{queue="low"} 0
# HELP campusbiz_outbox_in_flight Outbox tasks handed to Asynq and not completed, by queue.
# TYPE campusbiz_outbox_in_flight gauge
campusbiz_outbox_in_flight{queue="critical"} 0
campusbiz_outbox_in_flight{queue="default"} 1
campusbiz_outbox_in_flight{queue="low"} 0
# HELP campusbiz_outbox_waiting Due outbox tasks not yet handed to Asynq, by queue.
# TYPE campusbiz_outbox_waiting gauge
campusbiz_outbox_waiting{queue="critical"} 0
campusbiz_outbox_waiting{queue="default"} 2
campusbiz_outbox_waiting{queue="low"} 0
# HELP campusbiz_outbox_scrape_ok 1 when the outbox could be read at this scrape, 0 when not.
# TYPE campusbiz_outbox_scrape_ok gauge
campusbiz_outbox_scrape_ok 1
`), "campusbiz_outbox_failed", "campusbiz_outbox_in_flight", "campusbiz_outbox_waiting", "campusbiz_outbox_scrape_ok"))

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	require.NoError(t, err)
	oldest := map[string]float64{}
	for _, f := range families {
		if f.GetName() == "campusbiz_outbox_oldest_waiting_seconds" {
			for _, m := range f.GetMetric() {
				oldest[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	require.InDelta(t, 90, oldest["default"], 5, "the oldest waiting task's age")
	require.Zero(t, oldest["critical"], "nothing waits there")
	require.Contains(t, oldest, "low", "an empty queue reads 0, not \"no data\"")
}
