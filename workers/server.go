package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// Deps are what the task handlers need.
type Deps struct {
	// Engine runs the steps' units of work and dispatches their follow-up
	// tasks; its Tasks should be Registry.Options().
	Engine *engine.Engine
	Log    *slog.Logger
	// Mailer sends e-mail notifications; nil: in-app only.
	Mailer *Mailer
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// Metrics registers task metrics when set.
	Metrics prometheus.Registerer
	// CertificateKeys sign certificates; without a signing key,
	// certificate:issue fails permanently with the reason.
	CertificateKeys workflows.CertificateKeys
	// PublicBaseURL issues certificates and roots their verify URLs.
	PublicBaseURL string
	// ShopVerification is workflows.ShopModeFetch (default) or ShopModeManual.
	ShopVerification string
	// ShopFetcher fetches shop pages; nil: one with the defaults and no allow-list.
	ShopFetcher *shopcheck.Fetcher
	// Payments pays fund grants; nil: workflows.LedgerPayments.
	Payments workflows.Payments
	// OfferTTL is how long an internship offer stands. Defaults to 72h.
	OfferTTL time.Duration
	// Zone is where e-mails and certificate PDFs show times (the TIME_ZONE
	// setting); nil: Asia/Shanghai.
	Zone *time.Location
	// Sessions derives the key onboarding codes are hashed with (the app
	// must derive the same); nil: one on the engine's database without a
	// secret.
	Sessions *accounts.Sessions
	// EmailCode bounds onboarding codes (their TTL, here).
	EmailCode workflows.EmailCodePolicy
}

// Handlers hold what the task steps need; each step is a method of
// Handlers, in the file of its task family, and Registry binds them.
type Handlers struct {
	// Now is the clock: enrollment years, programme windows, deadlines,
	// offers and certificates depend on it.
	Now func() time.Time
	// Mailer sends e-mail; nil: notify:send drops its task.
	Mailer *Mailer
	// Keys hold the certificate signing key.
	Keys workflows.CertificateKeys
	// PublicBaseURL is the certificates' issuer and the root of their verify URL.
	PublicBaseURL string
	// ShopMode is workflows.ShopModeFetch or workflows.ShopModeManual.
	ShopMode string
	// Fetcher fetches shop pages in fetch mode.
	Fetcher *shopcheck.Fetcher
	// Payments pays grants.
	Payments workflows.Payments
	// OfferTTL is how long an applicant has to answer an internship offer.
	OfferTTL time.Duration
	// DB is the pool a step's Prepare phase may use outside the unit of work.
	DB *gorm.DB
	// Log receives what the Prepare phases could not do.
	Log *slog.Logger
	// Zone is where e-mails and certificate PDFs show times.
	Zone *time.Location
	// CodeKey is the key onboarding codes are hashed with.
	CodeKey func(context.Context) ([]byte, error)
	// EmailCode bounds onboarding codes.
	EmailCode workflows.EmailCodePolicy
}

// DefaultOfferTTL is how long an offer stands when OfferTTL is not set.
const DefaultOfferTTL = 72 * time.Hour

// NewHandlers fills in d's defaults.
func NewHandlers(d Deps) *Handlers {
	h := &Handlers{
		Now: d.Now, Mailer: d.Mailer, Keys: d.CertificateKeys, PublicBaseURL: d.PublicBaseURL,
		ShopMode: d.ShopVerification, Fetcher: d.ShopFetcher, Payments: d.Payments, OfferTTL: d.OfferTTL,
		DB: d.Engine.DB, Log: d.Log, Zone: d.Zone, EmailCode: d.EmailCode.WithDefaults(),
	}
	sessions := d.Sessions
	if sessions == nil {
		sessions = &accounts.Sessions{DB: d.Engine.DB}
	}
	h.CodeKey = func(ctx context.Context) ([]byte, error) {
		return sessions.DeriveKey(ctx, workflows.EmailCodeKeyPurpose)
	}
	if h.Zone == nil {
		h.Zone = i18n.DefaultZone()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.ShopMode == "" {
		h.ShopMode = workflows.ShopModeFetch
	}
	if h.Fetcher == nil {
		h.Fetcher = shopcheck.New(shopcheck.Config{})
	}
	if h.Payments == nil {
		h.Payments = workflows.LedgerPayments{}
	}
	if h.OfferTTL <= 0 {
		h.OfferTTL = DefaultOfferTTL
	}
	return h
}

// NewMux registers every task type of the Registry.
func NewMux(d Deps) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	if tracing.Enabled() {
		mux.Use(traceTasks())
	}
	mux.Use(logTasks(d.Log))
	if d.Metrics != nil {
		mux.Use(taskMetrics(d.Metrics))
	}
	Registry.Handle(mux, &engine.Runner{Engine: d.Engine, Log: d.Log}, NewHandlers(d))
	return mux
}

// ServerConfig sizes the Asynq server.
type ServerConfig struct {
	// Concurrency is how many tasks run at once. Defaults to 20.
	Concurrency int
	// ShutdownTimeout is how long running tasks get to finish. Defaults to 20s.
	ShutdownTimeout time.Duration
}

// NewServer returns an Asynq server on the weighted queues (critical 6,
// default 3, low 1) whose handlers get ctx as their base context.
func NewServer(ctx context.Context, redis asynq.RedisConnOpt, cfg ServerConfig, log *slog.Logger) *asynq.Server {
	return newServer(ctx, redis, cfg, serverSpec{concurrency: 20, queues: engine.QueueWeights,
		retryDelay: retryDelay, logger: AsynqLogger(log)})
}

// serverSpec is what sets one of our Asynq servers apart from the other.
type serverSpec struct {
	concurrency int // when cfg sets none
	queues      map[string]int
	retryDelay  asynq.RetryDelayFunc
	logger      asynq.Logger
}

// newServer builds an Asynq server of spec, with cfg's settings and the
// polling intervals every server of ours shares.
func newServer(ctx context.Context, redis asynq.RedisConnOpt, cfg ServerConfig, spec serverSpec) *asynq.Server {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = spec.concurrency
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	return asynq.NewServer(redis, asynq.Config{
		Concurrency:              cfg.Concurrency,
		BaseContext:              func() context.Context { return ctx },
		Queues:                   spec.queues,
		RetryDelayFunc:           spec.retryDelay,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		Logger:                   spec.logger,
		LogLevel:                 asynq.WarnLevel,
		TaskCheckInterval:        100 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
	})
}

// retryDelay backs off exponentially from one second, capped at ten minutes.
// A task whose worker died (its lease expired) did not fail: it runs again
// after a second, however often it failed before; Asynq's recoverer has
// already waited a minute or more to find it.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	d := time.Second << min(n, 10)
	return min(d, 10*time.Minute)
}

func logTasks(log *slog.Logger) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			err := next.ProcessTask(ctx, t)
			id, _ := asynq.GetTaskID(ctx)
			attempt, _ := asynq.GetRetryCount(ctx)
			if err != nil {
				log.WarnContext(ctx, "task failed", "type", t.Type(), "task_id", id, "attempt", attempt,
					"duration", time.Since(start), "err", err)
			} else {
				log.DebugContext(ctx, "task done", "type", t.Type(), "task_id", id, "attempt", attempt, "duration", time.Since(start))
			}
			return err
		})
	}
}

// taskMetrics observes each run's duration by type and outcome and, on a
// task's first delivery, how long it waited from falling due (its outbox
// row written, or its process_at: the engine's due header) to starting:
// the outbox, the dispatch and the Asynq queue together.
func taskMetrics(reg prometheus.Registerer) asynq.MiddlewareFunc {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "campusbiz_task_duration_seconds",
		Help:    "Time to run one task, by type and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"type", "outcome"})
	startLatency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "campusbiz_task_start_latency_seconds",
		Help:    "Time from a task falling due to its first delivery's start, by queue.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
	}, []string{"queue"})
	reg.MustRegister(duration, startLatency)
	for queue := range engine.QueueWeights {
		startLatency.WithLabelValues(queue)
	}
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			if attempt, _ := asynq.GetRetryCount(ctx); attempt == 0 {
				if due, ok := engine.TaskDue(t.Headers()); ok {
					queue, _ := asynq.GetQueueName(ctx)
					startLatency.WithLabelValues(queue).Observe(max(start.Sub(due).Seconds(), 0))
				}
			}
			err := next.ProcessTask(ctx, t)
			outcome := "ok"
			if err != nil {
				outcome = "error"
			}
			duration.WithLabelValues(t.Type(), outcome).Observe(time.Since(start).Seconds())
			return err
		})
	}
}

// AsynqLogger is log as Asynq's logger (its server, its scheduler).
func AsynqLogger(log *slog.Logger) asynq.Logger { return slogAdapter{log.With("component", "asynq")} }

// slogAdapter lets Asynq log through log/slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.log.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.log.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.log.Warn(fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.log.Error(fmt.Sprint(args...)) }
func (a slogAdapter) Fatal(args ...any) { a.log.Error(fmt.Sprint(args...)); panic(fmt.Sprint(args...)) }
