package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel/attribute"
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
	testenv.WaitFor(t, 20*time.Second, "the notify:send task's span", func() bool { return len(byName("task notify:send")) > 0 })

	posts := byName("POST /api/v1/onboarding")
	require.Len(t, posts, 1)
	req := posts[0]
	require.Equal(t, trace.SpanKindServer, req.SpanKind)
	require.Equal(t, otelecho.ScopeName, req.InstrumentationScope.Name, "OpenTelemetry's own Echo instrumentation")
	require.Contains(t, req.Attributes, attribute.String("campusbiz.request_id", r.Header.Get(echo.HeaderXRequestID)))
	require.Contains(t, req.Attributes, attribute.String("http.route", "/api/v1/onboarding"))
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

	// A refused request is answered once, with its status on its span.
	bad := a.do(http.MethodPost, "/api/v1/onboarding", token, map[string]any{"college_id": 7})
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status, string(bad.Body))
	var p map[string]any
	require.NoError(t, json.Unmarshal(bad.Body, &p), "one problem document, not two: %s", bad.Body)
	refused := byName("POST /api/v1/onboarding")
	require.Len(t, refused, 2)
	require.Contains(t, refused[1].Attributes, attribute.Int("http.status_code", http.StatusUnprocessableEntity))
}
