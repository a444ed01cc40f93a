package tracing

import (
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Service is the service name the API's server spans carry.
const Service = "campusbiz"

// Echo is middleware giving each request a server span, through
// OpenTelemetry's own Echo instrumentation (otelecho): named by its method
// and route ("POST /api/v1/onboarding"), child of the caller's traceparent
// if it sent one, with the request id as campusbiz.request_id. Register it
// with Use (after routing, so the route is known) and only when Enabled.
//
// otelecho renders a handler's error itself (c.Error, so that the span
// sees the status) and then returns it too; the error is not passed on,
// so that the middleware outside (the request log) sees one answered
// request, as without tracing.
func Echo() echo.MiddlewareFunc {
	spans := otelecho.Middleware(Service)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := spans(withRequestID(next))
		return func(c echo.Context) error {
			if err := h(c); err != nil && !c.Response().Committed {
				return err // not rendered: let the central handler answer
			}
			return nil
		}
	}
}

// withRequestID names the request's id on its span (inside otelecho's).
func withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
			trace.SpanFromContext(c.Request().Context()).SetAttributes(attribute.String("campusbiz.request_id", id))
		}
		return next(c)
	}
}
