package engine

import (
	"context"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Task headers the engine sets on every task it hands to Asynq.
const (
	// HeaderTraceParent carries the outbox row's W3C traceparent.
	HeaderTraceParent = "traceparent"
	// HeaderDue carries when the task fell due (the row's process_at, Unix
	// nanoseconds), from which the worker measures how long it waited.
	HeaderDue = "campusbiz-due"
)

// newTask is the Asynq task of row: its type and payload, with the headers
// above.
func newTask(row models.OutboxRow) *asynq.Task {
	headers := map[string]string{HeaderDue: strconv.FormatInt(row.ProcessAt.UnixNano(), 10)}
	if row.TraceParent != nil {
		headers[HeaderTraceParent] = *row.TraceParent
	}
	return asynq.NewTaskWithHeaders(row.TaskType, row.Payload, headers)
}

// TaskDue reads HeaderDue from a task's headers.
func TaskDue(headers map[string]string) (time.Time, bool) {
	ns, err := strconv.ParseInt(headers[HeaderDue], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// commit commits the unit, in a span of its own when the unit runs inside
// a recorded trace (the deferred writes travel with the COMMIT).
func (w *Work) commit(ctx context.Context) error {
	end := sqlSpan(ctx, "commit", attribute.Int("campusbiz.deferred_writes", len(w.tx.later)))
	err := w.tx.commit(ctx)
	end(err)
	return err
}

// noSpan ends no span: what sqlSpan returns outside a recorded trace.
func noSpan(error) {}

// sqlSpan starts a client span named "sql "+op for a statement the engine
// sends itself (GORM's own get theirs from tracing.GORM), when ctx is in a
// recorded trace, and returns what ends it with the statement's error.
// Outside a recorded trace it costs one look-up and allocates nothing.
func sqlSpan(ctx context.Context, op string, attrs ...attribute.KeyValue) func(error) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return noSpan
	}
	_, span := tracing.Tracer().Start(ctx, "sql "+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", op)),
		trace.WithAttributes(attrs...))
	return func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, op+" failed")
		}
		span.End()
	}
}

// The engine's metrics, registered by RegisterMetrics.
var (
	dispatchLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "campusbiz_outbox_dispatch_latency_seconds",
		Help: "Time from an outbox task falling due (written, or its process_at) to its hand-over to Asynq, " +
			"by path (direct: after the unit's commit; fair: a fair admission round; relay: the sweep).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
	}, []string{"path"})
	reconcilerRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "campusbiz_reconciler_rows_total",
		Help: "Outbox rows the reconciler acted on, by action (redispatched: lost by the broker; archived: marked failed).",
	}, []string{"action"})
	reconcilerSweeps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "campusbiz_reconciler_sweeps_total",
		Help: "Reconciler sweeps, by result (ok, skipped: another process held the lock, error).",
	}, []string{"result"})
	fairRounds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "campusbiz_fair_round_seconds",
		Help: "Duration of a fair admission round's transaction (read the keys' loads, plan, mark the admitted rows), " +
			"before its enqueues; rounds another process held the lock for are not counted.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
	})
	tasksGaveUp = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "campusbiz_task_gave_up_total",
		Help: "Tasks that failed for good (a permanent error or the last retry), by type.",
	}, []string{"type"})
)

// RegisterMetrics registers the engine's metrics (dispatch latency, fair
// admission rounds, reconciler actions and sweeps, tasks given up) with
// reg, every series at zero from the start (one per path, action, result
// and task type of tasks), so that rates and alerts see the first event. They are
// process-wide: register them once per registry.
func RegisterMetrics(reg prometheus.Registerer, tasks map[string]Options) error {
	for _, c := range []prometheus.Collector{dispatchLatency, fairRounds, reconcilerRows, reconcilerSweeps, tasksGaveUp} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	for _, path := range []string{"direct", "fair", "relay"} {
		dispatchLatency.WithLabelValues(path)
	}
	for _, action := range []string{"redispatched", "archived"} {
		reconcilerRows.WithLabelValues(action)
	}
	for _, result := range []string{"ok", "skipped", "error"} {
		reconcilerSweeps.WithLabelValues(result)
	}
	for typ := range tasks {
		tasksGaveUp.WithLabelValues(typ)
	}
	return nil
}

// observeDispatch records row's hand-over to Asynq by path.
func observeDispatch(path string, row models.OutboxRow) {
	dispatchLatency.WithLabelValues(path).Observe(max(time.Since(row.ProcessAt).Seconds(), 0))
}

// observeSweep records what a reconciler sweep did.
func observeSweep(rep SweepReport, err error) {
	switch {
	case err != nil:
		reconcilerSweeps.WithLabelValues("error").Inc()
	case rep.Skipped:
		reconcilerSweeps.WithLabelValues("skipped").Inc()
	default:
		reconcilerSweeps.WithLabelValues("ok").Inc()
	}
	reconcilerRows.WithLabelValues("redispatched").Add(float64(rep.Redispatched))
	reconcilerRows.WithLabelValues("archived").Add(float64(rep.Archived))
}
