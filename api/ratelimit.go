package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/internal/ratelimit"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/redis/go-redis/v9"
)

// Limits are the app's rate limits. The guards against password guessing,
// CPU exhaustion and serial probing (sign-in per client IP and per account,
// registration and certificate look-ups per client IP) keep their buckets
// in Redis when Deps.Redis is set, so every process spends one budget. The
// per-account submission budget is kept in the process's memory: it brakes
// abuse by a signed-in account, a Redis round trip on every submission would
// sit on the API's hottest path (docs/BENCHMARKS.md), and with n serve
// processes an account can submit at most n times SUBMIT_RATE a minute.
// Share one Limits between the API and the pages of a process (Deps.Limits)
// so that they spend the same submission budget.
type Limits struct {
	loginIP    *ratelimit.Limiter
	loginAcct  *ratelimit.Limiter
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

// NewLimits builds the rate limits of d.Config (LoginRate, SubmitRate) and
// d.Certificates (VerifyRate), shared through d.Redis as Limits says.
func NewLimits(d Deps) *Limits {
	cfg, verifyRate := d.Config.withDefaults(), d.Certificates.verifyRate()
	limit := func(rdb redis.UniversalClient, name string, perMinute, burst int) *ratelimit.Limiter {
		return ratelimit.New(rdb, ratelimit.Limit{Name: name, PerMinute: perMinute, Burst: burst}, d.Log)
	}
	return &Limits{
		loginIP:   limit(d.Redis, "login_ip", cfg.LoginRate, cfg.LoginRate),
		loginAcct: limit(d.Redis, "login_account", cfg.LoginRate, cfg.LoginRate/2+1),
		// Registering hashes a password (argon2id), as signing in does: the
		// same budget per client IP keeps either from exhausting the CPU.
		registerIP:  limit(d.Redis, "register_ip", cfg.LoginRate, cfg.LoginRate),
		lookupIP:    limit(d.Redis, "certificate_lookup_ip", verifyRate, verifyRate/2+1),
		submit:      limit(nil, "submit", cfg.SubmitRate, cfg.SubmitRate),
		adminSubmit: limit(nil, "submit_admin", adminSubmitFactor*cfg.SubmitRate, adminSubmitFactor*cfg.SubmitRate),
	}
}

// rateLimited is the 429 with Retry-After in whole seconds.
func rateLimited(h http.Header, wait time.Duration) error {
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return newError(http.StatusTooManyRequests, msg.ErrorRateLimited)
}
