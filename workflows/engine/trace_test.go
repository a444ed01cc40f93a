package engine

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// A task carries its due time, and its traceparent only when the row has
// one.
func TestNewTaskHeaders(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	row := models.OutboxRow{TaskType: "x:y", Payload: []byte(`{}`), ProcessAt: due}
	task := newTask(row)
	got, ok := TaskDue(task.Headers())
	require.True(t, ok)
	require.True(t, got.Equal(due))
	require.NotContains(t, task.Headers(), HeaderTraceParent)

	tp := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	row.TraceParent = &tp
	require.Equal(t, tp, newTask(row).Headers()[HeaderTraceParent])
	_, ok = TaskDue(map[string]string{})
	require.False(t, ok)
}

// What tracing off adds to every task: a traceparent look-up that finds no
// span, and the due header on the Asynq task.
func BenchmarkTracingOffPerTask(b *testing.B) {
	ctx := context.Background()
	row := models.OutboxRow{TaskType: "x:y", Payload: []byte(`{"id":"01a24e50-8a6b-70dc-a881-4f7a89b81f16"}`), ProcessAt: time.Now()}
	b.Run("bare NewTask", func(b *testing.B) {
		for b.Loop() {
			_ = asynq.NewTask(row.TaskType, row.Payload)
		}
	})
	b.Run("TraceParent+newTask", func(b *testing.B) {
		for b.Loop() {
			row.TraceParent = tracing.TraceParent(ctx)
			_ = newTask(row)
		}
	})
}
