package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestOneTraceFromRequestToNotification follows an onboarding submission
// with tracing on (an in-memory exporter): the HTTP request's span, the
// onboarding:verify task's span (through the traceparent stored with the
// outbox row), the step's SQL and commit, and the notify:send task that
// step enqueued are one trace, each task a child of what wrote it. Not
// parallel: it installs the global tracer provider.
func TestOneTraceFromRequestToNotification(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	restore := tracing.Install(tp)
	t.Cleanup(restore)
	a := newApp(t, func(d *appDeps) {
		d.App.Engine.Email = true // every notification also enqueues notify:send
		require.NoError(t, d.App.DB.Use(tracing.GORM{}))
	})
	a.startWorkers()
	_, token := a.user(models.RoleApplicant)
	body, _ := onboardingBody(t, a)
	body["college_email"] = "me@gmail.com" // needs_info: the step notifies the student

	r := a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))

	byName := func(name string) []tracetest.SpanStub {
		var out []tracetest.SpanStub
		for _, s := range exp.GetSpans() {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	eventually(t, 20*time.Second, "the notify:send task's span", func() bool { return len(byName("task notify:send")) > 0 })

	posts := byName("POST /api/v1/onboarding")
	require.Len(t, posts, 1)
	req := posts[0]
	require.Equal(t, trace.SpanKindServer, req.SpanKind)
	verify := byName("task onboarding:verify")
	require.Len(t, verify, 1)
	notify := byName("task notify:send")[0]
	traceID := req.SpanContext.TraceID()
	require.Equal(t, traceID, verify[0].SpanContext.TraceID(), "the task continues the request's trace")
	require.Equal(t, traceID, notify.SpanContext.TraceID(), "the notification continues it too")
	require.True(t, verify[0].Parent.IsRemote(), "the task's parent came through the outbox")
	require.Equal(t, req.SpanContext.SpanID(), verify[0].Parent.SpanID(), "the request wrote the task")
	require.Equal(t, verify[0].SpanContext.SpanID(), notify.Parent.SpanID(), "the step wrote the notification's task")

	// The step's statements are its children: its SQL and its commit.
	var sql, commits int
	for _, s := range exp.GetSpans() {
		if s.Parent.SpanID() != verify[0].SpanContext.SpanID() {
			continue
		}
		switch {
		case s.Name == "sql commit":
			commits++
		case len(s.Name) > 4 && s.Name[:4] == "sql ":
			sql++
		}
	}
	require.Positive(t, sql, "the step's SQL has spans")
	require.Equal(t, 1, commits, "the step commits once")
}
