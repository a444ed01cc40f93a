package workers

import (
	"context"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
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
