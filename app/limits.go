package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/internal/ratelimit"
	"github.com/campusbiz/campusbiz/models"
	"github.com/redis/go-redis/v9"
)

// Limits are the application's rate limits. The guards against password
// guessing, CPU exhaustion and serial probing (sign-in per client IP, failed
// sign-ins per account and device (signin.go), registration and certificate look-ups per client IP) keep their
// buckets in Redis when Deps.Redis is set, so every process spends one
// budget. The per-account submission budget is kept in the process's
// memory: it brakes abuse by a signed-in account, a Redis round trip on
// every submission would sit on the API's hottest path
// (docs/BENCHMARKS.md), and with n serve processes an account can submit at
// most n times SUBMIT_RATE a minute. The API and the pages of a process
// share one App, so they spend the same budgets.
type Limits struct {
	loginIP    *ratelimit.Limiter
	loginFail  *ratelimit.Limiter
	registerIP *ratelimit.Limiter
	lookupIP   *ratelimit.Limiter
	// submit and adminSubmit are the per-account submission budgets.
	submit      *ratelimit.Limiter
	adminSubmit *ratelimit.Limiter
}

// adminSubmitFactor is how many times the submission budget of an
// applicant or reviewer an admin gets: admins run programmes and record
// results in batches.
const adminSubmitFactor = 10

func newLimits(rdb redis.UniversalClient, cfg Config, log *slog.Logger) *Limits {
	limit := func(rdb redis.UniversalClient, name string, perMinute, burst int) *ratelimit.Limiter {
		return ratelimit.New(rdb, ratelimit.Limit{Name: name, PerMinute: perMinute, Burst: burst}, log)
	}
	return &Limits{
		loginIP:   limit(rdb, "login_ip", cfg.LoginRate, cfg.LoginRate),
		loginFail: limit(rdb, "login_failures", cfg.LoginRate, cfg.LoginRate/2+1),
		// Registering hashes a password (argon2id), as signing in does: the
		// same budget per client IP keeps either from exhausting the CPU.
		registerIP:  limit(rdb, "register_ip", cfg.LoginRate, cfg.LoginRate),
		lookupIP:    limit(rdb, "certificate_lookup_ip", cfg.CertVerifyRate, cfg.CertVerifyRate/2+1),
		submit:      limit(nil, "submit", cfg.SubmitRate, cfg.SubmitRate),
		adminSubmit: limit(nil, "submit_admin", adminSubmitFactor*cfg.SubmitRate, adminSubmitFactor*cfg.SubmitRate),
	}
}

// RateLimitedError refuses a request over its budget; Wait says when to
// try again (the adapters answer 429 with Retry-After).
type RateLimitedError struct {
	Wait time.Duration
}

// Error says how long to wait.
func (e *RateLimitedError) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.Wait) }

// allow takes one from lim's bucket for key, or refuses with how long to wait.
func allow(ctx context.Context, lim *ratelimit.Limiter, key string) error {
	if ok, wait := lim.Allow(ctx, key); !ok {
		return &RateLimitedError{Wait: wait}
	}
	return nil
}

// AllowSubmit takes one submission from the actor's budget (SUBMIT_RATE a
// minute; admins ten times that). The adapters call it before a
// submission's use case, so that a refused request writes nothing.
func (a *App) AllowSubmit(ctx context.Context, actor Actor) error {
	lim := a.limits.submit
	if actor.Role == models.RoleAdmin {
		lim = a.limits.adminSubmit
	}
	return allow(ctx, lim, actor.ID)
}

// AllowLookup takes one certificate look-up from the client IP's budget.
func (a *App) AllowLookup(ctx context.Context, ip string) error {
	return allow(ctx, a.limits.lookupIP, ip)
}
