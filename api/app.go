// Package api is campusbiz's JSON API: one Echo app, built by New, that
// serve, dev and the tests all run. It is a thin adapter over the
// application layer (package app): each handler decodes the request, calls
// one use case and renders its result or its problem in the request's
// language. It never touches the database and never imports the pages
// (package web), which adapt the same use cases to HTML.
package api

import (
	"context"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// Deps are the HTTP API's collaborators; the caller owns and closes them.
type Deps struct {
	// App runs every use case; the API decodes, calls it and renders.
	App *app.App
	// Monitoring is the Asynqmon handler, rooted at /monitoring; nil answers 503.
	Monitoring http.Handler
	// Metrics is the registry /metrics serves; nil: a new one.
	Metrics *prometheus.Registry
	Log     *slog.Logger
	Config  Config
}

// Config holds the API's own settings.
type Config struct {
	// RequestTimeout bounds a request's handler. Defaults to 10s.
	RequestTimeout time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For is believed; empty:
	// the client address is the TCP peer.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the session cookie Secure (set when served over https).
	SecureCookies bool
	// Zone is where times inside messages (sentences for people) are
	// shown (the TIME_ZONE setting); the JSON fields stay RFC 3339. Nil:
	// Asia/Shanghai.
	Zone *time.Location
	// MetricsToken is the bearer token a scraper reads /metrics with
	// (admins may read it too); empty: only admins.
	MetricsToken string
}

func (c Config) withDefaults() Config {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.Zone == nil {
		c.Zone = i18n.DefaultZone()
	}
	return c
}

// ctxZone holds the zone of the times in the request's messages.
const ctxZone = "api.zone"

// zone makes the TIME_ZONE setting known to the request's printer.
func (s *server) zone(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxZone, s.cfg.Zone)
		return next(c)
	}
}

// server holds what handlers share.
type server struct {
	app        *app.App
	monitoring http.Handler
	metrics    *prometheus.Registry
	log        *slog.Logger
	cfg        Config
}

// BodyLimit is the largest request body accepted (413 beyond).
const BodyLimit = "1M"

// New builds the Echo app: middleware, error handler, validator and routes.
func New(d Deps) *echo.Echo {
	s := &server{app: d.App, monitoring: d.Monitoring, metrics: d.Metrics, log: d.Log, cfg: d.Config.withDefaults()}
	if s.metrics == nil {
		s.metrics = prometheus.NewRegistry()
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.Use(
		s.zone,
		middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}),
		keepRequestID,
		s.requestLogger(),
		traces(),
		middleware.Recover(),
		s.httpMetrics(),
		middleware.SecureWithConfig(middleware.SecureConfig{
			XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			ReferrerPolicy: "no-referrer", HSTSMaxAge: 0,
		}),
		middleware.BodyLimit(BodyLimit),
		refuseUnstorableText,
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
			Timeout: s.cfg.RequestTimeout,
			ErrorHandler: func(err error, c echo.Context) error {
				return err // the central error handler turns deadlines into 503
			},
		}),
	)
	s.routes(e)
	return e
}

// traces gives each request a span when tracing is on (tracing.Echo);
// when it is off the middleware is no link in the chain at all.
func traces() echo.MiddlewareFunc {
	if !tracing.Enabled() {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return tracing.Echo()
}

// ipExtractor trusts X-Forwarded-For only from the configured proxies.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, ipnet, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(ipnet))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func (s *server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogRoutePath: true, LogLatency: true,
		LogRequestID: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			// The route pattern, never the raw URI: query strings may carry
			// search terms and paths carry ids only through their pattern.
			s.log.LogAttrs(context.Background(), level, "http request",
				slog.String("method", v.Method), slog.String("route", v.RoutePath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID), slog.String("ip", v.RemoteIP))
			return nil
		},
	})
}
