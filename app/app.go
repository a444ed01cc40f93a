// Package app is campusbiz's application layer: one method of App per use
// case (submit onboarding, link a shop, apply to the fund, review, enrol,
// post a result, rank places, run a round, every admin action). A use case
// decides whose data it is (ownership and role), validates its input, runs
// its unit of work (engine.Engine.Do: the transaction, its follow-up tasks
// and notifications, the commit, the dispatch) and answers with models and
// coded errors (workflows.ValidationError, workflows.Refusal, the engine's
// sentinels).
//
// The JSON API (package api) and the pages (package web) are thin adapters
// over it: decode, call, render. Neither imports the other, and neither
// touches the database: every rule lives here once, or below in workflows.
package app

import (
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/go-playground/validator/v10"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Deps are the application's collaborators; the caller owns and closes them.
type Deps struct {
	// DB is the source of truth.
	DB *gorm.DB
	// ReadDB, when set, is a pool on a replica that serves the reads that
	// tolerate lag (admin lists and CSV exports); nil: DB serves them.
	ReadDB *gorm.DB
	// Engine runs the use cases' units of work; nil: one on DB that leaves
	// dispatch to the relay's sweep and knows no task types (tests of reads).
	Engine *engine.Engine
	// Redis keeps the rate-limit buckets shared by every process (see
	// Limits); nil keeps them in this process.
	Redis redis.UniversalClient
	// Inspector reads the queues for admin stats; nil omits them.
	Inspector *asynq.Inspector
	// Sessions issues and checks sign-in tokens; nil: one on DB without a
	// secret.
	Sessions *accounts.Sessions
	// Certificates are the keys certificates are verified with.
	Certificates workflows.CertificateKeys
	// Fairness reports the fair admitter's per-college backlog in admin
	// stats; nil omits it.
	Fairness *engine.Fairness
	Log      *slog.Logger
	Config   Config
}

// Config holds the application's settings.
type Config struct {
	// SessionTTL is a sign-in's lifetime. Defaults to 7 days.
	SessionTTL time.Duration
	// LoginRate is the sign-ins per minute allowed per account and per
	// client IP, and registrations per client IP (LOGIN_RATE). Defaults to 10.
	LoginRate int
	// SubmitRate is the submissions per minute allowed per account; admins
	// get ten times as many (SUBMIT_RATE). Defaults to 30.
	SubmitRate int
	// CertVerifyRate is the certificate look-ups per minute allowed per
	// client IP (CERT_VERIFY_RATE). Defaults to 120.
	CertVerifyRate int
	// ShopCheckDelay is how long after a shop is linked its first ownership
	// check runs, giving the student time to place the code
	// (SHOP_CHECK_DELAY). Zero checks at once.
	ShopCheckDelay time.Duration
	// PublicBaseURL is where campusbiz is reached (PUBLIC_BASE_URL): the
	// certificates' issuer, its did:web DID and the status list URLs.
	// Defaults to http://localhost:8080, as the setting does.
	PublicBaseURL string
	// EmailCode bounds the onboarding codes that prove a college mailbox
	// (EMAIL_CODE_*); zero fields take workflows' defaults.
	EmailCode workflows.EmailCodePolicy
	// ShopPendingPerAccount is how many of an account's shops may wait for
	// a check at once (SHOP_PENDING_PER_ACCOUNT). Defaults to 5.
	ShopPendingPerAccount int
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 7 * 24 * time.Hour
	}
	if c.LoginRate <= 0 {
		c.LoginRate = 10
	}
	if c.SubmitRate <= 0 {
		c.SubmitRate = 30
	}
	if c.CertVerifyRate <= 0 {
		c.CertVerifyRate = 120
	}
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = "http://localhost:8080"
	}
	if c.ShopPendingPerAccount <= 0 {
		c.ShopPendingPerAccount = 5
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.EmailCode = c.EmailCode.WithDefaults()
	return c
}

// App runs the use cases. Build it with New; it is safe for concurrent use.
type App struct {
	db        *gorm.DB
	reads     *gorm.DB // the reads that tolerate lag: Deps.ReadDB, else db
	engine    *engine.Engine
	inspector *asynq.Inspector
	redis     redis.UniversalClient
	sessions  *accounts.Sessions
	keys      workflows.CertificateKeys
	log       *slog.Logger
	cfg       Config
	validator *validator.Validate
	limits    *Limits
	fairness  *engine.Fairness
}

// New builds the application from d.
func New(d Deps) *App {
	a := &App{
		db: d.DB, engine: d.Engine, inspector: d.Inspector, redis: d.Redis, sessions: d.Sessions, keys: d.Certificates,
		log: d.Log, cfg: d.Config.withDefaults(), validator: newValidator(), reads: d.ReadDB, fairness: d.Fairness,
	}
	if a.reads == nil {
		a.reads = d.DB
	}
	if a.engine == nil {
		a.engine = &engine.Engine{DB: d.DB, Log: d.Log}
	}
	if a.sessions == nil {
		a.sessions = &accounts.Sessions{DB: d.DB}
	}
	a.limits = newLimits(d.Redis, a.cfg, d.Log)
	return a
}

// Sessions issues and checks the sign-in tokens the API and the pages share.
func (a *App) Sessions() *accounts.Sessions { return a.sessions }

// SessionTTL is how long a sign-in lasts.
func (a *App) SessionTTL() time.Duration { return a.cfg.SessionTTL }

func (a *App) now() time.Time { return a.cfg.Now().UTC() }
