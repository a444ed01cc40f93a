package engine

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
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

// TestEngineStatementsHaveSpans: inside a recorded trace, a step's unit of
// work gives its lead (BEGIN and the task's completion), its raw Exec and
// Query and its commit a client span each, children of the task's span;
// outside one it records nothing. Not parallel: it installs the global
// tracer provider.
func TestEngineStatementsHaveSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	restore := tracing.Install(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	t.Cleanup(restore)
	e := newTestEngine(t, nil)
	ctx := context.Background()
	var ids []string
	require.NoError(t, e.Do(ctx, func(w *Work) error {
		for range 2 {
			id, err := w.Enqueue(Task{Type: "test:effect", Payload: map[string]int{"n": 1}})
			ids = append(ids, id)
			if err != nil {
				return err
			}
		}
		return nil
	}))
	step := func(ctx context.Context, w *Work, run Run) error {
		if _, err := w.Exec(`INSERT INTO effects (n) VALUES ($1)`, 1); err != nil {
			return err
		}
		rows, err := w.Query(`SELECT n FROM effects`)
		if err != nil {
			return err
		}
		return rows.Close()
	}
	r := &Runner{Engine: e, Log: testenv.Logger(t)}
	run := Run{TaskID: ids[0], Type: "test:effect", MaxRetry: 3}

	// Outside a trace: no span at all.
	require.NoError(t, r.Execute(ctx, run, step, nil))
	require.Empty(t, exp.GetSpans())

	traced, task := tracing.Tracer().Start(ctx, "task test:effect")
	run.TaskID = ids[1]
	require.NoError(t, r.Execute(traced, run, step, nil))
	task.End()
	children := map[string]int{}
	for _, s := range exp.GetSpans() {
		if s.Parent.SpanID() != task.SpanContext().SpanID() {
			continue
		}
		children[s.Name]++
		require.Equal(t, trace.SpanKindClient, s.SpanKind, s.Name)
		if s.Name == "sql begin" {
			require.Contains(t, s.Attributes, attribute.Bool("campusbiz.completes_task", true))
		}
		if s.Name == "sql exec" {
			require.Contains(t, s.Attributes, attribute.String("db.query.text", `INSERT INTO effects (n) VALUES ($1)`))
		}
	}
	require.Equal(t, map[string]int{"sql begin": 1, "sql exec": 1, "sql query": 1, "sql commit": 1}, children)
}
