package tracing

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestWanted(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
		err  bool
	}{
		{"nothing set: off", nil, false, false},
		{"an endpoint: on", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, false},
		{"a traces endpoint: on", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, true, false},
		{"exporter otlp: on (default endpoint)", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, false},
		{"exporter none wins", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, false},
		{"SDK disabled wins", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, false},
		{"unknown exporter refused", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, true},
		{"grpc refused", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, true},
		{"http/protobuf accepted", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Wanted(func(k string) string { return tc.env[k] })
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSetupOffInstallsNothing(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	stop, err := Setup(context.Background(), "campusbiz-test")
	require.NoError(t, err)
	require.False(t, Enabled())
	require.NoError(t, stop(context.Background()))
	_, span := Tracer().Start(context.Background(), "x")
	require.False(t, span.IsRecording(), "the no-op tracer")
	require.Nil(t, TraceParent(context.Background()))
}

func TestTraceParentRoundTrip(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	restore := Install(sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)))
	defer restore()
	ctx, span := Tracer().Start(context.Background(), "parent")
	tp := TraceParent(ctx)
	require.NotNil(t, tp)
	require.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`, *tp)
	span.End()

	_, child := Tracer().Start(WithTraceParent(context.Background(), *tp), "child")
	child.End()
	spans := exp.GetSpans()
	require.Len(t, spans, 2)
	require.Equal(t, spans[0].SpanContext.TraceID(), spans[1].SpanContext.TraceID())
	require.Equal(t, spans[0].SpanContext.SpanID(), spans[1].Parent.SpanID())

	require.Equal(t, context.Background(), WithTraceParent(context.Background(), ""))
}

// An endpoint turns traces on: spans are recorded, and the shutdown
// restores the no-op provider. Not parallel: it sets the environment.
func TestSetupWithAnEndpointRecords(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1") // nothing listens: the export fails, quietly
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "100")
	stop, err := Setup(context.Background(), "campusbiz-test")
	require.NoError(t, err)
	require.True(t, Enabled())
	_, span := Tracer().Start(context.Background(), "x")
	require.True(t, span.IsRecording())
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = stop(ctx) // the collector is unreachable; what matters is that it returns
	require.False(t, Enabled())

	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	_, err = Setup(context.Background(), "campusbiz-test")
	require.ErrorContains(t, err, "http/protobuf")
	require.False(t, Enabled())
}
