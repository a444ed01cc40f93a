package workers

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The start latency is the time from the task's due header to its first
// delivery; retries and tasks without the header are not counted.
func TestTaskMetricsStartLatencyFromTheDueHeader(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	mw := taskMetrics(reg)
	ran := 0
	h := mw(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { ran++; return nil }))
	due := time.Now().Add(-2 * time.Second)
	task := asynq.NewTaskWithHeaders("x:y", nil, map[string]string{engine.HeaderDue: strconv.FormatInt(due.UnixNano(), 10)})
	require.NoError(t, h.ProcessTask(context.Background(), task))
	require.NoError(t, h.ProcessTask(context.Background(), asynq.NewTask("x:y", nil)))
	require.Equal(t, 2, ran)
	families, err := reg.Gather()
	require.NoError(t, err)
	var count uint64
	var sum float64
	for _, f := range families {
		if f.GetName() != "campusbiz_task_start_latency_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			count += m.GetHistogram().GetSampleCount()
			sum += m.GetHistogram().GetSampleSum()
		}
	}
	require.Equal(t, uint64(1), count, "only the task with a due header")
	require.InDelta(t, 2, sum, 0.5)
}

// A task's span continues the traceparent in its headers, and an e-mail
// sent inside it has a span of its own that records a failure. Not
// parallel: it installs the global tracer provider.
func TestTaskSpanContinuesTheHeaderAndMailHasASpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	restore := tracing.Install(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	defer restore()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	mailer, err := NewMailer("smtp://" + closed + "?from=test@example.com")
	require.NoError(t, err)

	ctx, parent := tracing.Tracer().Start(context.Background(), "request")
	tp := *tracing.TraceParent(ctx)
	parent.End()
	h := traceTasks()(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		return mailer.Send(ctx, Mail{To: "someone@example.com", Subject: "s", Body: "t"})
	}))
	err = h.ProcessTask(context.Background(), asynq.NewTaskWithHeaders("notify:send", nil, map[string]string{engine.HeaderTraceParent: tp}))
	require.Error(t, err, "nothing listens")

	spans := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		spans[s.Name] = s
	}
	task, mail := spans["task notify:send"], spans["smtp send"]
	require.Equal(t, spans["request"].SpanContext.TraceID(), task.SpanContext.TraceID())
	require.Equal(t, spans["request"].SpanContext.SpanID(), task.Parent.SpanID())
	require.Equal(t, task.SpanContext.SpanID(), mail.Parent.SpanID())
	require.Equal(t, codes.Error, mail.Status.Code)
	require.Equal(t, codes.Error, task.Status.Code)
}
