// Package api is campusbiz's HTTP API: one Echo app, built by New, that
// serve, dev and the tests all run.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/go-playground/validator/v10"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Deps are the app's collaborators; the caller owns and closes them.
type Deps struct {
	DB *gorm.DB
	// Redis is pinged by /readyz and keeps the sign-in, registration and
	// look-up rate-limit buckets (see Limits); nil keeps them in this process.
	Redis redis.UniversalClient
	// Relay dispatches a submission's tasks right after it commits; nil
	// leaves them to the workers' relay.
	Relay *workflows.Relay
	// Inspector feeds queue metrics and admin stats; nil omits them.
	Inspector *asynq.Inspector
	// Monitoring is the Asynqmon handler, rooted at /monitoring; nil answers 503.
	Monitoring http.Handler
	// Metrics is the registry /metrics serves; nil: a new one.
	Metrics *prometheus.Registry
	Log     *slog.Logger
	Config  Config
	// Certificates are the published keys the certificate endpoints verify with.
	Certificates CertificateConfig
	// Sessions issues and checks sign-in tokens; share one between the API
	// and the pages of a process, so that a sign-out in either is seen by
	// both at once. Nil: one of its own on DB, without a secret.
	Sessions *accounts.Sessions
	// Limits are the rate limits; share one between the API and the pages
	// of a process. Nil: NewLimits(d).
	Limits *Limits
}

// Config holds the app's settings.
type Config struct {
	// RequestTimeout bounds a request's handler. Defaults to 10s.
	RequestTimeout time.Duration
	// SessionTTL is a login's lifetime. Defaults to 7 days.
	SessionTTL time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For is believed; empty:
	// the client address is the TCP peer.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the session cookie Secure (set when served over https).
	SecureCookies bool
	// LoginRate is the sustained login attempts per minute allowed per
	// account and per client IP. Defaults to 10.
	LoginRate int
	// SubmitRate is the submissions (POST, PUT and PATCH requests that start
	// or change workflows) per minute allowed per account; admins get ten
	// times as many (SUBMIT_RATE). Defaults to 30.
	SubmitRate int
	// EmailNotifications makes transitions made through the API enqueue the
	// e-mail delivery of their notifications (SMTP_URL is set).
	EmailNotifications bool
	// ShopCheckDelay is how long after POST /shops the first ownership check
	// runs, giving the student time to place the code (SHOP_CHECK_DELAY).
	// Zero checks at once.
	ShopCheckDelay time.Duration
}

func (c Config) withDefaults() Config {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 7 * 24 * time.Hour
	}
	if c.LoginRate <= 0 {
		c.LoginRate = 10
	}
	if c.SubmitRate <= 0 {
		c.SubmitRate = 30
	}
	return c
}

// server holds what handlers share.
type server struct {
	db         *gorm.DB
	redis      redis.UniversalClient
	relay      *workflows.Relay
	inspector  *asynq.Inspector
	monitoring http.Handler
	metrics    *prometheus.Registry
	log        *slog.Logger
	cfg        Config
	validator  *validator.Validate
	limits     *Limits
	certKeys   workflows.CertificateKeys
	sessions   *accounts.Sessions
	// dispatchFailedAt is when the fast dispatch path last failed (Unix ns).
	dispatchFailedAt atomic.Int64
}

// BodyLimit is the largest request body accepted (413 beyond).
const BodyLimit = "1M"

// newServer builds what the handlers share from d.
func newServer(d Deps) *server {
	s := &server{
		db: d.DB, redis: d.Redis, relay: d.Relay, inspector: d.Inspector, monitoring: d.Monitoring,
		metrics: d.Metrics, log: d.Log, cfg: d.Config.withDefaults(), validator: newValidator(),
		certKeys: d.Certificates.Keys,
	}
	s.sessions = d.Sessions
	if s.sessions == nil {
		s.sessions = &accounts.Sessions{DB: d.DB}
	}
	if s.metrics == nil {
		s.metrics = prometheus.NewRegistry()
	}
	s.limits = d.Limits
	if s.limits == nil {
		s.limits = NewLimits(d)
	}
	return s
}

// New builds the Echo app: middleware, error handler, validator and routes.
func New(d Deps) *echo.Echo {
	s := newServer(d)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.Use(
		middleware.RequestID(),
		s.requestLogger(),
		middleware.Recover(),
		s.httpMetrics(),
		middleware.SecureWithConfig(middleware.SecureConfig{
			XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			ReferrerPolicy: "no-referrer", HSTSMaxAge: 0,
		}),
		middleware.BodyLimit(BodyLimit),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
			Timeout: s.cfg.RequestTimeout,
			ErrorHandler: func(err error, c echo.Context) error {
				return err // the central error handler turns deadlines into 503
			},
		}),
	)
	if s.cfg.EmailNotifications {
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				c.SetRequest(c.Request().WithContext(workflows.WithEmail(c.Request().Context())))
				return next(c)
			}
		})
	}
	s.routes(e)
	return e
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
