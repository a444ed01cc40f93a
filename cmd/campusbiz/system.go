package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// system is the set of connections every long-running subcommand shares.
type system struct {
	cfg       config.Config
	log       *slog.Logger
	db        *gorm.DB
	reads     *gorm.DB // the replica's pool (DATABASE_REPLICA_URL), or nil
	redisOpt  asynq.RedisConnOpt
	redis     redis.UniversalClient
	client    *asynq.Client
	inspector *asynq.Inspector
	metrics   *prometheus.Registry
	certKeys  workflows.CertificateKeys
	// engine runs every unit of work of this process, and app the use cases.
	engine *engine.Engine
	// fair admits college work to Asynq (run by workers; read for stats).
	fair      *engine.Fairness
	app       *app.App
	sessions  *accounts.Sessions
	stopPprof func()
	// devMailbox, in dev without SMTP_URL, receives every e-mail; the pages
	// show it at /dev/mailbox.
	devMailbox *mailsink.Sink
}

// emailCodePolicy is the onboarding codes' policy from the settings.
func emailCodePolicy(cfg config.Config) workflows.EmailCodePolicy {
	return workflows.EmailCodePolicy{TTL: cfg.EmailCodeTTL, MaxAttempts: cfg.EmailCodeAttempts,
		Cooldown: cfg.EmailCodeResendCooldown, HourlyCap: cfg.EmailCodeResendHourly}
}

func openSystem(ctx context.Context, cfg config.Config, log *slog.Logger) (*system, error) {
	certKeys, err := workflows.NewCertificateKeys(cfg.CertSigningKey, cfg.CertPublicKeys)
	if err != nil {
		return nil, err
	}
	rconn, err := redisconn.Open(cfg.RedisMode, cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	pool := models.PoolConfig{MaxOpenConns: cfg.DBMaxOpenConns, ConnMaxLifetime: cfg.DBConnMaxLifetime}
	db, err := models.Open(ctx, cfg.DatabaseURL, pool)
	if err != nil {
		_ = rconn.Client.Close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	var reads *gorm.DB
	if cfg.DatabaseReplicaURL != "" {
		if reads, err = models.Open(ctx, cfg.DatabaseReplicaURL, pool); err != nil {
			_ = rconn.Client.Close()
			_ = models.Close(db)
			return nil, fmt.Errorf("DATABASE_REPLICA_URL: %w", err)
		}
	}
	if tracing.Enabled() {
		for _, pool := range []*gorm.DB{db, reads} {
			if pool == nil {
				continue
			}
			if err := pool.Use(tracing.GORM{}); err != nil {
				_ = rconn.Client.Close()
				_ = models.Close(db)
				if reads != nil {
					_ = models.Close(reads)
				}
				return nil, err
			}
		}
	}
	rc := rconn.Client
	s := &system{
		cfg: cfg, log: log, db: db, reads: reads, redisOpt: rconn.Opt, redis: rc,
		client: asynq.NewClientFromRedisClient(rc), inspector: asynq.NewInspectorFromRedisClient(rc),
		metrics: prometheus.NewRegistry(), certKeys: certKeys,
	}
	s.engine = &engine.Engine{DB: db, Client: s.client, Tasks: workers.Registry.Options(), Email: cfg.SMTPURL != "", Log: log,
		Fair: cfg.FairDispatch}
	weights, _ := config.ParseFairWeights(cfg.FairWeights) // validated by config
	s.fair = &engine.Fairness{DB: db, Client: s.client, Log: log, Capacity: cfg.FairCapacityOrDefault(), Weights: weights}
	s.sessions = &accounts.Sessions{DB: db, Secret: []byte(cfg.SessionSecret)}
	s.app = app.New(app.Deps{
		DB: db, ReadDB: reads, Engine: s.engine, Fairness: s.fair, Redis: rc, Inspector: s.inspector, Log: log,
		Certificates: certKeys, Sessions: s.sessions,
		Config: app.Config{
			SessionTTL: cfg.SessionTTL, LoginRate: cfg.LoginRate, SubmitRate: cfg.SubmitRate,
			CertVerifyRate: cfg.CertVerifyRate, ShopCheckDelay: cfg.ShopCheckDelay, PublicBaseURL: cfg.PublicBaseURL,
			EmailCode: emailCodePolicy(cfg), ShopPendingPerAccount: cfg.ShopPendingPerAccount,
		},
	})
	if s.stopPprof, err = startPprof(cfg.PprofAddr, log); err != nil {
		s.close()
		return nil, fmt.Errorf("PPROF_ADDR: %w", err)
	}
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewQueueMetricsCollector(s.inspector))
	if err := engine.RegisterMetrics(s.metrics, s.engine.Tasks); err != nil {
		s.close()
		return nil, fmt.Errorf("engine metrics: %w", err)
	}
	return s, nil
}

func (s *system) close() {
	if s.stopPprof != nil {
		s.stopPprof()
	}
	if err := s.redis.Close(); err != nil {
		s.log.Warn("closing redis", "err", err)
	}
	if err := models.Close(s.db); err != nil {
		s.log.Warn("closing postgres", "err", err)
	}
	if s.reads != nil {
		if err := models.Close(s.reads); err != nil {
			s.log.Warn("closing the postgres replica", "err", err)
		}
	}
}

func (s *system) relay() *engine.Relay {
	return &engine.Relay{DB: s.db, Client: s.client, Log: s.log, Fair: s.cfg.FairDispatch}
}

// serveHTTP runs the API until ctx ends, then drains it.
func (s *system) serveHTTP(ctx context.Context) error {
	monitoring := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: s.redisOpt})
	defer monitoring.Close()
	trusted := make([]netip.Prefix, 0, len(s.cfg.TrustedProxies))
	for _, p := range s.cfg.TrustedProxies {
		trusted = append(trusted, netip.MustParsePrefix(strings.TrimSpace(p))) // validated by config
	}
	base, _ := url.Parse(s.cfg.PublicBaseURL) // validated by config
	secure := base.Scheme == "https"
	e := api.New(api.Deps{
		App: s.app, Monitoring: monitoring, Metrics: s.metrics, Log: s.log,
		Config: api.Config{RequestTimeout: s.cfg.RequestTimeout, TrustedProxies: trusted, SecureCookies: secure,
			Zone: s.cfg.Location(), MetricsToken: s.cfg.MetricsToken},
	})
	wd := web.Deps{App: s.app, Log: s.log, Config: web.Config{SecureCookies: secure, Zone: s.cfg.Location()}}
	if s.devMailbox != nil {
		wd.DevMailbox = s.devMailbox
	}
	if err := web.Mount(e, wd); err != nil {
		return err
	}
	srv := &http.Server{
		Addr: s.cfg.HTTPAddr, Handler: e,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.log.Info("http: listening", "addr", s.cfg.HTTPAddr, "public_url", s.cfg.PublicBaseURL)
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("http: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// scheduleMatches runs an Asynq scheduler that enqueues app.TypeMatchTick
// at each tick of MATCH_SCHEDULE until ctx ends; every worker runs one
// (app.MatchScheduler says why that is safe).
func (s *system) scheduleMatches(ctx context.Context, schedule cron.Schedule) error {
	sched := asynq.NewSchedulerFromRedisClient(s.redis, &asynq.SchedulerOpts{
		Logger: workers.AsynqLogger(s.log), LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			if err != nil && !errors.Is(err, asynq.ErrDuplicateTask) {
				s.log.Warn("match schedule: could not enqueue the tick", "err", err)
			}
		},
	})
	entry, err := sched.Register(s.cfg.MatchSchedule, asynq.NewTask(app.TypeMatchTick, nil),
		app.MatchTickOptions(schedule, time.Now())...)
	if err != nil {
		return fmt.Errorf("MATCH_SCHEDULE: %w", err)
	}
	if err := sched.Start(); err != nil {
		return fmt.Errorf("start the match scheduler: %w", err)
	}
	s.log.Info("worker: matching rounds scheduled through Asynq", "schedule", s.cfg.MatchSchedule, "entry", entry)
	<-ctx.Done()
	sched.Shutdown()
	return nil
}

// work runs the Asynq server, the relay and the reconciler until ctx ends,
// then lets running tasks finish.
func (s *system) work(ctx context.Context) error {
	matchCron, err := s.cfg.MatchCron()
	if err != nil {
		return err
	}
	var mailer *workers.Mailer
	if s.cfg.SMTPURL == "" {
		s.log.Warn("worker: SMTP_URL is not set; onboarding codes cannot be mailed, so no student can be verified " +
			"(onboarding:email_code tasks fail until it is set; re-run them from /monitoring)")
	} else {
		m, err := workers.NewMailer(s.cfg.SMTPURL)
		if err != nil {
			return err
		}
		mailer = m
	}
	taskCtx, cancelTasks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTasks()
	srv := workers.NewServer(taskCtx, s.redisOpt, workers.ServerConfig{Concurrency: s.cfg.WorkerConcurrency}, s.log)
	if _, ok := s.certKeys.Signing(); !ok {
		s.log.Warn("worker: CERT_SIGNING_KEY is not set; certificate:issue tasks will fail until it is (re-run them from /monitoring)")
	}
	if n, err := s.app.UpgradeCertificates(ctx); err != nil {
		s.log.Error("worker: certificates in the earlier format were not all signed again as credentials", "upgraded", n, "err", err)
	} else if n > 0 {
		s.log.Info("worker: certificates in the earlier format signed again as verifiable credentials", "upgraded", n)
	}
	if _, ok := certificates.FindCJKFont(); !ok {
		s.log.Warn("worker: no CJK font; Chinese names on certificate PDFs will read \"(shown on the verification page)\"",
			"install", "fonts-droid-fallback", "looked_for", certificates.DefaultCJKFontPaths)
	}
	allow, err := s.cfg.ShopFetchAllowlist()
	if err != nil {
		return err
	}
	shopFetcher := shopcheck.New(shopcheck.Config{Timeout: s.cfg.ShopFetchTimeout, Allow: allow})
	mux := workers.NewMux(workers.Deps{Engine: s.engine, Log: s.log, Mailer: mailer, Metrics: s.metrics,
		CertificateKeys: s.certKeys, PublicBaseURL: s.cfg.PublicBaseURL, OfferTTL: s.cfg.InternshipOfferTTL,
		ShopVerification: s.cfg.ShopVerification, ShopFetcher: shopFetcher, Zone: s.cfg.Location(),
		Sessions: s.sessions, EmailCode: emailCodePolicy(s.cfg)})
	if s.cfg.FairDispatch {
		s.engine.Wake = s.fair.Nudge // before the first task runs
	}
	if matchCron != nil {
		mux.Handle(app.TypeMatchTick, &app.MatchScheduler{App: s.app, Schedule: matchCron, Log: s.log})
	}
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start asynq server: %w", err)
	}
	shopSrv := workers.NewShopServer(taskCtx, s.redisOpt, workers.ServerConfig{Concurrency: s.cfg.ShopConcurrency}, s.log)
	if err := shopSrv.Start(mux); err != nil {
		srv.Shutdown()
		return fmt.Errorf("start the shops queue's asynq server: %w", err)
	}
	defer shopSrv.Shutdown()
	s.metrics.MustRegister(&workers.OutboxCollector{DB: s.db}, &workers.WorkflowCollector{DB: s.db},
		&workers.FairCollector{Fairness: s.fair})
	stopMetrics, _, err := startListener("worker metrics", s.cfg.MetricsAddr, observabilityMux(s.metrics, s.app.Ready), s.log)
	if err != nil {
		srv.Shutdown()
		return fmt.Errorf("METRICS_ADDR: %w", err)
	}
	defer stopMetrics()
	s.log.Info("worker: started", "concurrency", s.cfg.WorkerConcurrency, "queues", engine.QueueWeights)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.relay().Run(gctx) })
	if s.cfg.FairDispatch {
		g.Go(func() error { return s.fair.Run(gctx) })
	}
	g.Go(func() error { return models.CompactStateCountsEvery(gctx, s.db, time.Minute, s.log) })
	g.Go(func() error {
		rec := &engine.Reconciler{DB: s.db, Client: s.client, Inspector: s.inspector, Redis: s.redis, Log: s.log,
			Grace: s.cfg.ReconcileGrace, Interval: s.cfg.ReconcileInterval}
		return rec.Run(gctx)
	})
	if matchCron != nil {
		g.Go(func() error { return s.scheduleMatches(gctx, matchCron) })
	}
	err = g.Wait()
	s.log.Info("worker: shutting down; waiting for running tasks")
	srv.Shutdown()
	return err
}
