package workers

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// traceTasks gives each delivery a consumer span, the child of the span
// that wrote the task's outbox row (its traceparent header), so a task
// continues the trace of the request or step that caused it; the step's
// SQL, its commit and the tasks it enqueues are children of this span.
func traceTasks() asynq.MiddlewareFunc {
	tracer := tracing.Tracer()
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			ctx = tracing.WithTraceParent(ctx, t.Headers()[engine.HeaderTraceParent])
			id, _ := asynq.GetTaskID(ctx)
			attempt, _ := asynq.GetRetryCount(ctx)
			queue, _ := asynq.GetQueueName(ctx)
			ctx, span := tracer.Start(ctx, "task "+t.Type(), trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(attribute.String("messaging.system", "asynq"),
					attribute.String("messaging.destination.name", queue),
					attribute.String("messaging.message.id", id),
					attribute.String("campusbiz.task.type", t.Type()),
					attribute.Int("campusbiz.task.attempt", attempt)))
			defer span.End()
			err := next.ProcessTask(ctx, t)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, "task failed")
			}
			return err
		})
	}
}

// startLatency observes, on a task's first delivery, how long it waited
// from falling due (its outbox row written, or its process_at) to its step
// starting: the outbox, the dispatch and the Asynq queue together.
func startLatency(reg prometheus.Registerer) asynq.MiddlewareFunc {
	hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "campusbiz_task_start_latency_seconds",
		Help:    "Time from a task falling due to its first delivery's start, by queue.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
	}, []string{"queue"})
	reg.MustRegister(hist)
	for queue := range engine.QueueWeights {
		hist.WithLabelValues(queue)
	}
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			if attempt, _ := asynq.GetRetryCount(ctx); attempt == 0 {
				if due, ok := engine.TaskDue(t.Headers()); ok {
					queue, _ := asynq.GetQueueName(ctx)
					hist.WithLabelValues(queue).Observe(max(time.Since(due).Seconds(), 0))
				}
			}
			return next.ProcessTask(ctx, t)
		})
	}
}
