package workers_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// gatherEngineMetrics reads the engine's process-wide metrics through a
// registry of their own.
func gatherEngineMetrics(tb testing.TB) []*dto.MetricFamily {
	tb.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(tb, engine.RegisterMetrics(reg, workers.Registry.Options()))
	families, err := reg.Gather()
	require.NoError(tb, err)
	return families
}

// engineSeries reads the engine's metrics: histogram counts and counter
// values, keyed "name{label}" ("name{}" without one).
func engineSeries(t *testing.T) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range gatherEngineMetrics(t) {
		for _, m := range f.GetMetric() {
			label := ""
			if l := m.GetLabel(); len(l) > 0 {
				label = l[0].GetValue()
			}
			key := f.GetName() + "{" + label + "}"
			if h := m.GetHistogram(); h != nil {
				out[key] = float64(h.GetSampleCount())
			} else {
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// The engine counts what it hands over directly, through the relay and
// the fair admitter (and times the admitter's rounds), what the reconciler
// finds lost, and the tasks that give up. The metrics
// are process-wide and other tests run alongside: the test reads growth.
func TestEngineMetricsCountDispatchReconcilerAndGiveUps(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	before := engineSeries(t)
	grown := func(key string) float64 { return engineSeries(t)[key] - before[key] }

	direct := e.dispatching(silentLogger())
	require.NoError(t, direct.Do(ctx, func(w *engine.Work) error {
		_, err := w.Enqueue(workflows.NewOnboardingVerifyTask("00000000-0000-0000-0000-000000000001", 1))
		return err
	}))
	require.GreaterOrEqual(t, grown(`campusbiz_outbox_dispatch_latency_seconds{direct}`), 1.0)

	lost := e.enqueue(workflows.NewOnboardingVerifyTask("00000000-0000-0000-0000-000000000002", 1)) // no client: the relay's
	n, err := e.relay().DispatchDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the directly dispatched row is not the relay's")
	require.GreaterOrEqual(t, grown(`campusbiz_outbox_dispatch_latency_seconds{relay}`), 1.0)

	// A college's submission waits for the fair admitter's round.
	e.submit(1)
	n, err = e.fairness(10).Admit(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.GreaterOrEqual(t, grown(`campusbiz_outbox_dispatch_latency_seconds{fair}`), 1.0)
	require.GreaterOrEqual(t, grown(`campusbiz_fair_round_seconds{}`), 1.0)

	// Redis loses the relay's task; the reconciler finds and re-dispatches it.
	require.NoError(t, e.inspector.DeleteTask(engine.QueueCritical, lost))
	require.NoError(t, e.schema.DB.Exec(`UPDATE outbox SET dispatched_at = now() - interval '1 hour',
		process_at = now() - interval '1 hour' WHERE id = ?`, lost).Error)
	rep, err := e.reconciler(time.Minute).Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Redispatched)
	require.GreaterOrEqual(t, grown(`campusbiz_reconciler_rows_total{redispatched}`), 1.0)
	require.GreaterOrEqual(t, grown(`campusbiz_reconciler_sweeps_total{ok}`), 1.0)

	// A permanent failure gives up.
	run := e.runOf(lost, 0)
	err = e.runner.Execute(ctx, run, func(context.Context, *engine.Work, engine.Run) error {
		return engine.Permanentf("broken for good")
	}, nil)
	require.ErrorIs(t, err, asynq.SkipRetry)
	require.GreaterOrEqual(t, grown(`campusbiz_task_gave_up_total{`+workflows.TypeOnboardingVerify+`}`), 1.0)
}
