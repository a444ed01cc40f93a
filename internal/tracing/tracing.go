// Package tracing sets up OpenTelemetry traces for campusbiz's processes
// and carries a trace across the outbox: a unit of work stores the W3C
// traceparent of the span that wrote a task, and the worker's span for the
// task continues it.
//
// Tracing is off unless the standard OTEL_* variables ask for it (Setup):
// then no exporter runs, no middleware is installed and the tracer is
// OpenTelemetry's no-op one.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of campusbiz's spans.
const Name = "github.com/campusbiz/campusbiz"

// enabled is set once a real tracer provider is installed.
var enabled atomic.Bool

// propagator reads and writes W3C traceparent (and tracestate) headers.
var propagator = propagation.TraceContext{}

// Enabled reports whether spans are recorded and exported. Instrumentation
// that would cost anything is installed only when it is.
func Enabled() bool { return enabled.Load() }

// Tracer is campusbiz's tracer from the global provider.
func Tracer() trace.Tracer { return otel.Tracer(Name) }

// Install makes tp the global tracer provider and turns the
// instrumentation on (Setup calls it; tests pass an in-memory one). The
// returned function restores the no-op provider.
func Install(tp trace.TracerProvider) (restore func()) {
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	enabled.Store(true)
	return func() {
		enabled.Store(false)
		otel.SetTracerProvider(prev)
	}
}

// Wanted reports whether the environment asks for traces: an OTLP endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or
// OTEL_TRACES_EXPORTER=otlp, and neither OTEL_SDK_DISABLED=true nor
// OTEL_TRACES_EXPORTER=none.
func Wanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false, nil
	}
	switch exp := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exp {
	case "none":
		return false, nil
	case "otlp":
		return true, checkProtocol(getenv)
	case "":
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: campusbiz exports traces with otlp or none", exp)
	}
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return false, nil
	}
	return true, checkProtocol(getenv)
}

// checkProtocol refuses an OTLP protocol other than http/protobuf, the one
// exporter linked in.
func checkProtocol(getenv func(string) string) error {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := getenv(name); p != "" {
			if p != "http/protobuf" {
				return fmt.Errorf("%s=%q: campusbiz exports OTLP over http/protobuf only", name, p)
			}
			return nil
		}
	}
	return nil
}

// Setup installs an OTLP/HTTP exporter and a batching tracer provider when
// the environment asks for traces (Wanted); otherwise it does nothing. The
// exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, TLS),
// the provider OTEL_TRACES_SAMPLER(_ARG) and the OTEL_BSP_* batch
// settings, the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
// service defaults to "campusbiz-<subcommand>". shutdown flushes what is
// buffered.
func Setup(ctx context.Context, service string) (shutdown func(context.Context) error, err error) {
	none := func(context.Context) error { return nil }
	want, err := Wanted(os.Getenv)
	if err != nil || !want {
		return none, err
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return none, fmt.Errorf("otlp trace exporter: %w", err)
	}
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", service)),
		resource.Environment(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil && !errors.Is(err, resource.ErrSchemaURLConflict) {
		return none, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	restore := Install(tp)
	return func(ctx context.Context) error {
		defer restore()
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("flush traces: %w", err)
		}
		return nil
	}, nil
}

// TraceParent is the W3C traceparent of ctx's span, or nil when ctx has no
// sampled span (tracing off, or not sampled): what an outbox row stores.
func TraceParent(ctx context.Context) *string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsSampled() {
		return nil
	}
	carrier := propagation.MapCarrier{}
	propagator.Inject(ctx, carrier)
	tp := carrier.Get("traceparent")
	return &tp
}

// WithTraceParent returns ctx carrying traceparent as its remote parent
// span; an empty or malformed one leaves ctx as it is.
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return propagator.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}
