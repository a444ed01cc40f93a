// Package config reads campusbiz's settings from the environment and checks
// them once, at start-up, so that a bad setting stops the process with one line
// that names the variable.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"time"

	// The zone database, embedded so TIME_ZONE loads in slim containers.
	_ "time/tzdata"

	"github.com/caarlos0/env/v11"
	"github.com/campusbiz/campusbiz/internal/redisconn"
)

// Config holds every setting of the campusbiz binary. Field tags name the
// environment variable and its default; the README's configuration table lists
// the same variables.
type Config struct {
	// DatabaseURL is the Postgres connection URL.
	DatabaseURL string `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/campusbiz?sslmode=disable"`
	// DatabaseReplicaURL, when set, is a Postgres replica (or several hosts
	// with target_session_attrs=prefer-standby) for the reads that tolerate
	// lag: admin lists and CSV exports.
	DatabaseReplicaURL string `env:"DATABASE_REPLICA_URL"`
	// DBMaxOpenConns caps the Postgres connection pool.
	DBMaxOpenConns int `env:"DB_MAX_OPEN_CONNS" envDefault:"20"`
	// DBConnMaxLifetime recycles Postgres connections; after a failover it
	// bounds how long a connection may stay on a server that is up but no
	// longer the primary.
	DBConnMaxLifetime time.Duration `env:"DB_CONN_MAX_LIFETIME" envDefault:"30m"`
	// RedisURL is the Redis URL of every Redis user (Asynq, Asynqmon, rate
	// limits, readiness), read as RedisMode says.
	RedisURL string `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0"`
	// RedisMode is the Redis topology: single (REDIS_URL names one server),
	// sentinel (it names the sentinels and master_name) or cluster (it
	// names seed nodes). See internal/redisconn.
	RedisMode string `env:"REDIS_MODE" envDefault:"single"`
	// HTTPAddr is where serve and dev listen.
	HTTPAddr string `env:"HTTP_ADDR" envDefault:":8080"`
	// PublicBaseURL is used in links, e-mails and certificate QR codes.
	PublicBaseURL string `env:"PUBLIC_BASE_URL" envDefault:"http://localhost:8080"`
	// AdminEmail and AdminPassword describe the first admin account.
	AdminEmail    string `env:"ADMIN_EMAIL"`
	AdminPassword string `env:"ADMIN_PASSWORD"`
	// CertSigningKey is the base64 Ed25519 seed used to sign certificates.
	CertSigningKey string `env:"CERT_SIGNING_KEY"`
	// CertPublicKeys are older certificate public keys (standard base64)
	// still published after a rotation, so that what they signed verifies.
	CertPublicKeys []string `env:"CERT_PUBLIC_KEYS" envSeparator:","`
	// CertVerifyRate is the certificate look-ups per minute allowed per client IP.
	CertVerifyRate int `env:"CERT_VERIFY_RATE" envDefault:"120"`
	// SubmitRate is the submissions (requests that start or change a
	// workflow) per minute allowed per account; admins get ten times as many.
	SubmitRate int `env:"SUBMIT_RATE" envDefault:"30"`
	// LoginRate is the sustained login attempts per minute allowed per
	// account and per client IP (raise it for loadgen, which signs in many
	// accounts from one address).
	LoginRate int `env:"LOGIN_RATE" envDefault:"10"`
	// PprofAddr, when set, serves net/http/pprof on this address, which
	// must be a loopback one (127.0.0.1:6060); never on the public listener.
	PprofAddr string `env:"PPROF_ADDR"`
	// ShopVerification is "fetch" or "manual".
	ShopVerification string `env:"SHOP_VERIFICATION" envDefault:"fetch"`
	// ShopFetchAllow names hosts and CIDRs on loopback, private or link-local
	// networks that the shop check may fetch anyway (comma-separated).
	ShopFetchAllow string `env:"SHOP_FETCH_ALLOW"`
	// ShopFetchTimeout bounds one fetch of a shop's page.
	ShopFetchTimeout time.Duration `env:"SHOP_FETCH_TIMEOUT" envDefault:"10s"`
	// ShopCheckDelay is how long after a shop's submission its first check
	// runs, giving the student time to place the code.
	ShopCheckDelay time.Duration `env:"SHOP_CHECK_DELAY" envDefault:"5m"`
	// SMTPURL enables e-mail notifications (smtp://user:pass@host:port?from=addr).
	SMTPURL string `env:"SMTP_URL"`
	// EmailCodeTTL is how long an onboarding code mailed to a college
	// address may be confirmed.
	EmailCodeTTL time.Duration `env:"EMAIL_CODE_TTL" envDefault:"30m"`
	// EmailCodeAttempts is how many wrong tries burn an onboarding code.
	EmailCodeAttempts int `env:"EMAIL_CODE_ATTEMPTS" envDefault:"5"`
	// EmailCodeResendCooldown is the least time between two codes to one
	// account or one address.
	EmailCodeResendCooldown time.Duration `env:"EMAIL_CODE_RESEND_COOLDOWN" envDefault:"60s"`
	// EmailCodeResendHourly is the most codes an account, and an address,
	// gets in an hour.
	EmailCodeResendHourly int `env:"EMAIL_CODE_RESEND_HOURLY" envDefault:"5"`
	// WorkerConcurrency is the number of tasks one worker process runs at once.
	WorkerConcurrency int `env:"WORKER_CONCURRENCY" envDefault:"20"`
	// RequestTimeout bounds every HTTP request's handler.
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"10s"`
	// SessionTTL is how long a login token lives.
	SessionTTL time.Duration `env:"SESSION_TTL" envDefault:"168h"`
	// SessionSecret is mixed into the session-signing key kept in the
	// database, so that a read of the database alone cannot forge a token.
	// Optional; every serving process must use the same.
	SessionSecret string `env:"SESSION_SECRET"`
	// TrustedProxies lists the CIDRs whose X-Forwarded-For header is believed.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
	// MetricsAddr, when set, is where the worker serves /metrics, /healthz
	// and /readyz (it has no other HTTP listener): a private address for a
	// scraper and probes, without authentication.
	MetricsAddr string `env:"METRICS_ADDR"`
	// MetricsToken lets a Prometheus scraper read /metrics on the HTTP port
	// with Authorization: Bearer <token>; signed-in admins may read it
	// too. Without it only admins can.
	MetricsToken string `env:"METRICS_TOKEN"`
	// ReconcileInterval is how often the reconciler sweeps the outbox.
	ReconcileInterval time.Duration `env:"RECONCILE_INTERVAL" envDefault:"10s"`
	// ReconcileGrace is how long a dispatched task may stay unfinished before
	// the reconciler asks Asynq about it.
	ReconcileGrace time.Duration `env:"RECONCILE_GRACE" envDefault:"20s"`
	// FairDispatch admits each college's tasks to Asynq in fair shares
	// (engine.Fairness) instead of first come, first served.
	FairDispatch bool `env:"FAIR_DISPATCH" envDefault:"true"`
	// FairCapacity bounds the college tasks in flight at once, all colleges
	// together; 0: four times WORKER_CONCURRENCY. Set it well above the
	// total concurrency of every worker process.
	FairCapacity int `env:"FAIR_CAPACITY" envDefault:"0"`
	// FairWeights are colleges' weights, "college-id=weight,..." (others
	// weigh 1): a college's share of FairCapacity is proportional to it.
	FairWeights string `env:"FAIR_WEIGHTS"`
	// ShopConcurrency is how many shop pages one worker process fetches at
	// once: the shops queue's own Asynq server, apart from the other work.
	ShopConcurrency int `env:"SHOP_CONCURRENCY" envDefault:"4"`
	// ShopPendingPerAccount is how many of an account's shops may wait for
	// a check at once; one more is refused (429 shop_checks_waiting).
	ShopPendingPerAccount int `env:"SHOP_PENDING_PER_ACCOUNT" envDefault:"5"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// DevDir is where dev keeps state it generates (the signing key).
	DevDir string `env:"DEV_DIR" envDefault:".dev"`
	// InternshipOfferTTL is how long an applicant has to answer an internship
	// offer before it lapses and the place returns to the next round.
	InternshipOfferTTL time.Duration `env:"INTERNSHIP_OFFER_TTL" envDefault:"72h"`
	// MatchSchedule starts matching rounds on a cron schedule ("0 2 * * *":
	// nightly at 02:00); empty: rounds start only from POST /admin/match-rounds.
	MatchSchedule string `env:"MATCH_SCHEDULE"`
	// TimeZone is the IANA zone of every time shown to a person: pages,
	// certificate PDFs, e-mails. The API keeps RFC 3339 with an offset.
	TimeZone string `env:"TIME_ZONE" envDefault:"Asia/Shanghai"`
}

// Location is the TimeZone setting loaded; UTC if it does not load (which
// Validate refuses).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Load reads the configuration from the environment and validates it.
func Load() (Config, error) {
	return LoadFrom(nil)
}

// LoadFrom reads the configuration from environ (nil: the process
// environment) and validates it.
func LoadFrom(environ map[string]string) (Config, error) {
	var cfg Config
	opts := env.Options{Environment: environ}
	if err := env.ParseWithOptions(&cfg, opts); err != nil {
		return Config{}, describeParseError(err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks every setting and names the first bad variable.
func (c Config) Validate() error {
	if err := checkURL("DATABASE_URL", c.DatabaseURL, "postgres", "postgresql"); err != nil {
		return err
	}
	if c.DatabaseReplicaURL != "" {
		if err := checkURL("DATABASE_REPLICA_URL", c.DatabaseReplicaURL, "postgres", "postgresql"); err != nil {
			return err
		}
	}
	if err := checkURL("REDIS_URL", c.RedisURL, "redis", "rediss"); err != nil {
		return err
	}
	if _, err := redisconn.Parse(c.RedisMode, c.RedisURL); err != nil {
		return err
	}
	if err := checkURL("PUBLIC_BASE_URL", c.PublicBaseURL, "http", "https"); err != nil {
		return err
	}
	if c.EmailCodeTTL < time.Minute || c.EmailCodeAttempts < 1 || c.EmailCodeResendCooldown < 0 || c.EmailCodeResendHourly < 1 {
		return errors.New("EMAIL_CODE_TTL must be at least 1m, EMAIL_CODE_ATTEMPTS and EMAIL_CODE_RESEND_HOURLY at least 1, " +
			"EMAIL_CODE_RESEND_COOLDOWN not negative")
	}
	if c.SMTPURL != "" {
		if err := checkURL("SMTP_URL", c.SMTPURL, "smtp", "smtps"); err != nil {
			return err
		}
	}
	if c.HTTPAddr == "" {
		return errors.New("HTTP_ADDR: must not be empty (for example :8080)")
	}
	switch c.ShopVerification {
	case "fetch", "manual":
	default:
		return fmt.Errorf("SHOP_VERIFICATION: %q is not one of fetch, manual", c.ShopVerification)
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1000 {
		return fmt.Errorf("WORKER_CONCURRENCY: %d is outside 1..1000", c.WorkerConcurrency)
	}
	if c.DBMaxOpenConns < 2 || c.DBMaxOpenConns > 1000 {
		return fmt.Errorf("DB_MAX_OPEN_CONNS: %d is outside 2..1000", c.DBMaxOpenConns)
	}
	if c.DBConnMaxLifetime < time.Second {
		return errors.New("DB_CONN_MAX_LIFETIME: must be at least 1s (for example 30m)")
	}
	if c.SubmitRate < 1 || c.SubmitRate > 100000 {
		return fmt.Errorf("SUBMIT_RATE: %d is outside 1..100000 (submissions per minute per account)", c.SubmitRate)
	}
	if c.LoginRate < 1 || c.LoginRate > 100000 {
		return fmt.Errorf("LOGIN_RATE: %d is outside 1..100000 (logins per minute per account and per IP)", c.LoginRate)
	}
	if err := checkLoopback("PPROF_ADDR", c.PprofAddr); err != nil {
		return err
	}
	if c.RequestTimeout <= 0 {
		return errors.New("REQUEST_TIMEOUT: must be positive (for example 10s)")
	}
	if c.SessionTTL < time.Minute {
		return errors.New("SESSION_TTL: must be at least 1m")
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		return errors.New("SESSION_SECRET: must be at least 32 characters (e.g. `openssl rand -base64 32`)")
	}
	if c.ReconcileInterval <= 0 || c.ReconcileGrace <= 0 {
		return errors.New("RECONCILE_INTERVAL, RECONCILE_GRACE: must be positive")
	}
	if err := c.validateDispatch(); err != nil {
		return err
	}
	for _, cidr := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(strings.TrimSpace(cidr)); err != nil {
			return fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", cidr)
		}
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return errors.New("ADMIN_EMAIL, ADMIN_PASSWORD: set both or neither")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 10 {
		return errors.New("ADMIN_PASSWORD: must be at least 10 characters")
	}
	if err := c.validateCertificates(); err != nil {
		return err
	}
	if err := c.validateInternships(); err != nil {
		return err
	}
	if err := c.validateShops(); err != nil {
		return err
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return fmt.Errorf("TIME_ZONE: %q is not an IANA time zone such as Asia/Shanghai", c.TimeZone)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	return nil
}

func checkURL(name, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s: %q is not a URL with a host", name, redactURL(raw))
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("%s: scheme %q is not one of %s", name, u.Scheme, strings.Join(schemes, ", "))
}

// redactURL hides a password in a URL so that errors can quote it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// describeParseError turns the env library's field-named errors into lines
// that name the environment variable.
func describeParseError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) || len(agg.Errors) == 0 {
		return fmt.Errorf("configuration: %w", err)
	}
	first := agg.Errors[0]
	var perr env.ParseError
	if errors.As(first, &perr) {
		if f, ok := reflect.TypeFor[Config]().FieldByName(perr.Name); ok {
			name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			return fmt.Errorf("%s: not a valid %s: %v", name, perr.Type, perr.Err)
		}
	}
	return fmt.Errorf("configuration: %w", first)
}
