// Package chaos runs the whole system (the API and two worker processes of
// the real campusbiz binary) against a private Postgres and Redis, drives
// load through the HTTP API with loadgen, and breaks things on a schedule:
// it SIGKILLs workers, deletes every Redis key, restarts Redis empty and
// restarts Postgres, probing the API while Postgres is down. On a Redis
// Sentinel set (Config.Sentinel) the Redis restart kills and restarts both
// servers of the set, and a failover (the primary SIGKILLed) joins them. When the
// faults stop it waits for the system to settle and checks what must hold
// whatever happened: every submitted workflow reaches a settled state, no
// entity has two final events, no notification, ledger entry or
// certificate exists twice, and every programme's totals match its ledger
// within its budget.
package chaos

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/models"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Config says what to run against and for how long.
type Config struct {
	// Binary is the campusbiz binary; Build makes one.
	Binary string
	// Dir receives the processes' logs.
	Dir string
	// DatabaseURL and RedisURL point at the private services. The database
	// is created and migrated by the run.
	DatabaseURL, RedisURL string
	// Postgres and Redis stop and start those services.
	Postgres, Redis Restarter
	// Sentinel, when set, replaces RedisURL and Redis: the processes run
	// with REDIS_MODE=sentinel, the Redis restart restarts the whole set,
	// and a Sentinel failover joins the faults (sentinel.go).
	Sentinel SentinelTopology
	// Duration is how long load runs and faults are injected.
	Duration time.Duration
	// Settle bounds the wait for the system to settle after the faults
	// stop. Defaults to 3 minutes.
	Settle time.Duration
	// KillEvery is the time between worker kills. Defaults to 4s.
	KillEvery time.Duration
	// FaultEvery is the time between the other faults, which take turns.
	// Defaults to 10s.
	FaultEvery time.Duration
	// DownFor is how long Redis and Postgres stay down when restarted.
	// Defaults to 2s.
	DownFor time.Duration
	// RequestTimeout is the API's REQUEST_TIMEOUT. Defaults to 3s.
	RequestTimeout time.Duration
	// Concurrency is loadgen's number of simultaneous applicants. Defaults to 4.
	Concurrency int
	// Log receives progress. Defaults to slog.Default().
	Log *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Binary == "" || c.Dir == "" || c.DatabaseURL == "" || c.Postgres == nil ||
		(c.Sentinel == nil && (c.RedisURL == "" || c.Redis == nil)) {
		return c, errors.New("chaos: Binary, Dir, DatabaseURL, Postgres, and RedisURL and Redis or Sentinel are required")
	}
	if c.Duration <= 0 {
		return c, errors.New("chaos: Duration must be positive")
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&c.Settle, 3 * time.Minute}, {&c.KillEvery, 4 * time.Second}, {&c.FaultEvery, 10 * time.Second},
		{&c.DownFor, 2 * time.Second}, {&c.RequestTimeout, 3 * time.Second},
	}
	for _, d := range defaults {
		if *d.d <= 0 {
			*d.d = d.def
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c, nil
}

// adminEmail and adminPassword are the seeded admin of a run.
const (
	adminEmail    = "chaos-admin@campusbiz.local"
	adminPassword = "chaos-admin-password"
)

// Build compiles cmd/campusbiz into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "campusbiz")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/campusbiz/campusbiz/cmd/campusbiz").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build campusbiz: %w: %s", err, out)
	}
	return bin, nil
}

// run is one chaos run's state.
type run struct {
	cfg     Config
	log     *slog.Logger
	api     *client
	apiProc *proc
	workers []*proc
	redis   redis.UniversalClient
	db      *gorm.DB
	people  *people
	// mail is the SMTP server the system mails to; loadgen reads the
	// onboarding codes from it.
	mail *mailsink.Sink
	// applicantCollege is the college loadgen's applicants join.
	applicantCollege string
	report           Report
	// errs are failures of the run itself (a fault that could not be
	// injected), as opposed to what the report measures.
	errs []error
}

// Run starts the system, loads it while injecting faults for cfg.Duration,
// waits for it to settle and checks the invariants. The error is about the
// run itself (the system could not start); whether the system kept its
// guarantees is the Report's Err.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Report{}, err
	}
	r := &run{cfg: cfg, log: cfg.Log, report: Report{Duration: cfg.Duration, Faults: map[string]int{}}}
	if err := r.start(ctx); err != nil {
		r.stop()
		return r.report, err
	}
	defer r.stop()

	r.log.Info("chaos: load and faults", "duration", cfg.Duration.String())
	faultCtx, stopFaults := context.WithTimeout(ctx, cfg.Duration)
	defer stopFaults()
	var wg sync.WaitGroup
	var loadErr error
	wg.Go(func() {
		r.report.Load, loadErr = loadgen.Run(ctx, loadgen.Config{
			BaseURL: r.api.base, CollegeID: r.applicantCollege, Concurrency: cfg.Concurrency, Duration: cfg.Duration, Settle: 20 * time.Second,
			AdminEmail: adminEmail, AdminPassword: adminPassword, Mailbox: r.mail,
			Client: &http.Client{Timeout: cfg.RequestTimeout + 5*time.Second},
		})
	})
	wg.Go(func() { r.peopleLoop(faultCtx) })
	r.injectFaults(faultCtx)
	wg.Wait()
	if loadErr != nil {
		return r.report, fmt.Errorf("chaos: loadgen: %w", loadErr)
	}
	if err := r.settle(ctx); err != nil {
		return r.report, err
	}
	if r.report.Checks, err = Check(ctx, r.db); err != nil {
		return r.report, err
	}
	if r.report.Fund, err = checkFund(ctx, r.db); err != nil {
		return r.report, err
	}
	r.report.Fund.OverspentSeen = r.people.overspentSeen
	r.report.tally()
	return r.report, errors.Join(r.errs...)
}

// start migrates and seeds the database, then starts the API and two workers.
func (r *run) start(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	_, seedKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("chaos: signing key: %w", err)
	}
	if r.mail, err = mailsink.Start("127.0.0.1:0", 0); err != nil {
		return fmt.Errorf("chaos: %w", err)
	}
	redisMode, redisURL := r.cfg.redisSettings()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SMTP_URL=" + r.mail.URL(),
		"DATABASE_URL=" + r.cfg.DatabaseURL, "REDIS_MODE=" + redisMode, "REDIS_URL=" + redisURL,
		"HTTP_ADDR=" + addr, "PUBLIC_BASE_URL=http://" + addr,
		"ADMIN_EMAIL=" + adminEmail, "ADMIN_PASSWORD=" + adminPassword,
		"CERT_SIGNING_KEY=" + base64.StdEncoding.EncodeToString(seedKey.Seed()),
		// Shops are confirmed by the admin (manual mode); their scheduled
		// check runs a second later instead of five minutes.
		"SHOP_VERIFICATION=manual", "SHOP_CHECK_DELAY=1s", "RECONCILE_GRACE=5s", "RECONCILE_INTERVAL=1s",
		"LOGIN_RATE=100000", "SUBMIT_RATE=100000", "REQUEST_TIMEOUT=" + r.cfg.RequestTimeout.String(),
		"WORKER_CONCURRENCY=10", "DB_MAX_OPEN_CONNS=20", "LOG_LEVEL=warn",
	}
	for _, step := range []string{"migrate", "seed"} {
		if err := newProc(r.cfg.Dir, r.cfg.Binary, step, env, step).run(); err != nil {
			return err
		}
	}
	r.apiProc = newProc(r.cfg.Dir, r.cfg.Binary, "api", env, "serve")
	r.workers = []*proc{
		newProc(r.cfg.Dir, r.cfg.Binary, "worker-1", env, "worker"),
		newProc(r.cfg.Dir, r.cfg.Binary, "worker-2", env, "worker"),
	}
	for _, p := range append([]*proc{r.apiProc}, r.workers...) {
		if err := p.start(); err != nil {
			return err
		}
	}
	r.api = &client{base: "http://" + addr, http: &http.Client{Timeout: r.cfg.RequestTimeout + 5*time.Second}}
	if err := r.waitHealthy(ctx); err != nil {
		return err
	}
	rconn, err := redisconn.Open(redisMode, redisURL)
	if err != nil {
		return fmt.Errorf("chaos: %w", err)
	}
	r.redis = rconn.Client
	if r.db, err = models.Open(ctx, r.cfg.DatabaseURL, models.PoolConfig{MaxOpenConns: 4}); err != nil {
		return fmt.Errorf("chaos: open the database: %w", err)
	}
	var reviewers string
	if r.applicantCollege, reviewers, err = collegeIDs(ctx, r.api); err != nil {
		return err
	}
	if r.people, err = setUp(ctx, r.api, r.db, adminEmail, adminPassword, reviewers, 3); err != nil {
		return err
	}
	return tightenBudget(ctx, r.db, r.cfg.Duration)
}

func (r *run) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		a, err := r.api.call(ctx, http.MethodGet, "/readyz", "", nil)
		if err == nil && a.status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(r.apiProc.log)
			return fmt.Errorf("chaos: the API did not become ready in 30s (%v)\n%s", err, log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends the processes and closes the connections.
func (r *run) stop() {
	for _, p := range append([]*proc{r.apiProc}, r.workers...) {
		if p != nil {
			_ = p.signal(syscall.SIGTERM)
		}
	}
	if r.redis != nil {
		_ = r.redis.Close()
	}
	if r.mail != nil {
		_ = r.mail.Close()
	}
	if r.db != nil {
		_ = models.Close(r.db)
	}
}

// peopleLoop does the human steps every second while load runs, and starts
// a matching round every ten.
func (r *run) peopleLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := r.people.step(ctx, i%10 == 0); err != nil && ctx.Err() == nil {
			r.log.Debug("chaos: people step", "err", err)
		}
	}
}

// settle keeps doing the human steps until every workflow is settled and
// the outbox owes nothing, or cfg.Settle passes.
func (r *run) settle(ctx context.Context) error {
	r.log.Info("chaos: faults stopped; waiting for the system to settle", "limit", r.cfg.Settle.String())
	start := time.Now()
	for {
		r.reviveExited()
		if err := r.people.step(ctx, r.internshipsWaiting(ctx)); err != nil {
			r.log.Debug("chaos: people step", "err", err)
		}
		counts, cerr := CountWorkflows(ctx, r.db)
		backlog, berr := OutboxBacklog(ctx, r.db)
		if cerr == nil && berr == nil {
			r.report.Workflows = counts
			if allSettled(counts) && backlog == 0 {
				r.report.SettleTime, r.report.Settled = time.Since(start), true
				return nil
			}
		}
		if time.Since(start) > r.cfg.Settle {
			r.report.SettleTime = time.Since(start)
			r.log.Warn("chaos: did not settle", "counts", counts, "outbox_backlog", backlog)
			return errors.Join(cerr, berr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// internshipsWaiting reports whether applications wait for a matching round.
func (r *run) internshipsWaiting(ctx context.Context) bool {
	var n int64
	_ = r.db.WithContext(ctx).Raw(`SELECT count(*) FROM internship_applications WHERE status = 'pending'`).Scan(&n).Error
	return n > 0
}

func allSettled(counts []WorkflowCount) bool {
	for _, c := range counts {
		if c.Settled != c.Submitted {
			return false
		}
	}
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chaos: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
