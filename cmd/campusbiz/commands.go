package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/seed"
	"github.com/campusbiz/campusbiz/models"
	"golang.org/x/sync/errgroup"
)

func runServe(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	sys, err := openSystem(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.close()
	return sys.serveHTTP(ctx)
}

func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	sys, err := openSystem(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.close()
	return sys.work(ctx)
}

func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return migrate(ctx, cfg, log)
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	created, err := models.EnsureDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if created {
		log.Info("created the database", "url", redacted(cfg.DatabaseURL))
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.PoolConfig{MaxOpenConns: 2})
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer models.Close(db)
	return models.Migrate(ctx, db, log)
}

func runSeed(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.AdminEmail == "" {
		return errors.New("ADMIN_EMAIL, ADMIN_PASSWORD: seed needs the first admin's credentials")
	}
	return seedAll(ctx, cfg, log)
}

func seedAll(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := models.Open(ctx, cfg.DatabaseURL, models.PoolConfig{MaxOpenConns: 2})
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer models.Close(db)
	n, err := seed.LoadColleges(ctx, db)
	if err != nil {
		return err
	}
	log.Info("seed: colleges", "inserted", n)
	if n, err = seed.LoadCourses(ctx, db); err != nil {
		return err
	}
	log.Info("seed: courses", "inserted", n)
	programCreated, err := seed.FundProgram(ctx, db, time.Now())
	if err != nil {
		return err
	}
	log.Info("seed: fund programme", "name", seed.FirstProgram.Name, "created", programCreated)
	created, err := accounts.Ensure(ctx, db, accounts.NewAccount{
		Email: cfg.AdminEmail, Password: cfg.AdminPassword, Name: "Administrator", Role: models.RoleAdmin})
	if err != nil {
		return err
	}
	log.Info("seed: first admin", "created", created)
	return nil
}

// devReviewers is how many demo reviewers dev creates: the seeded fund
// programme assigns two to each application, so with fewer its screening
// fails with "not enough eligible reviewers".
const devReviewers = 2

// seedDevReviewers creates dev's demo reviewers (reviewerN@campusbiz.local,
// no college, so eligible for every applicant) with one password, kept in
// DEV_DIR, and returns their e-mails and the password.
func seedDevReviewers(ctx context.Context, cfg config.Config, log *slog.Logger) ([]string, string, error) {
	pw, _, err := devSecret(cfg.DevDir, "reviewer-password", randomPassword)
	if err != nil {
		return nil, "", err
	}
	db, err := models.Open(ctx, cfg.DatabaseURL, models.PoolConfig{MaxOpenConns: 2})
	if err != nil {
		return nil, "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer models.Close(db)
	emails := make([]string, devReviewers)
	for i := range emails {
		emails[i] = fmt.Sprintf("reviewer%d@campusbiz.local", i+1)
		created, err := accounts.Ensure(ctx, db, accounts.NewAccount{
			Email: emails[i], Password: pw, Name: fmt.Sprintf("Demo reviewer %d", i+1), Role: models.RoleReviewer})
		if err != nil {
			return nil, "", fmt.Errorf("dev reviewer %s: %w", emails[i], err)
		}
		log.Info("dev: demo reviewer", "email", emails[i], "created", created)
	}
	return emails, pw, nil
}

// runDev migrates, seeds and runs the API and the workers in one process.
// Without ADMIN_EMAIL it makes up an admin and keeps its password in DEV_DIR.
func runDev(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := migrate(ctx, cfg, log); err != nil {
		return err
	}
	if cfg.AdminEmail == "" {
		pw, _, err := devSecret(cfg.DevDir, "admin-password", randomPassword)
		if err != nil {
			return err
		}
		cfg.AdminEmail, cfg.AdminPassword = "admin@campusbiz.local", pw
	}
	certKeyNote, err := devSigningKey(&cfg)
	if err != nil {
		return err
	}
	if err := seedAll(ctx, cfg, log); err != nil {
		return err
	}
	reviewers, reviewerPassword, err := seedDevReviewers(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Without SMTP_URL, dev delivers e-mail (onboarding codes among it) to
	// a mailbox of its own, on loopback, shown at /dev/mailbox.
	var devMailbox *mailsink.Sink
	mailNote := cfg.SMTPURL
	if cfg.SMTPURL == "" {
		if devMailbox, err = mailsink.Start("127.0.0.1:0", 200); err != nil {
			return err
		}
		defer devMailbox.Close()
		cfg.SMTPURL = devMailbox.URL()
		mailNote = strings.TrimSuffix(cfg.PublicBaseURL, "/") + "/dev/mailbox (no SMTP_URL: dev keeps every e-mail, codes included, there)"
	}
	fmt.Printf("\ncampusbiz dev is starting on %s\n  admin e-mail:    %s\n  admin password:  %s\n  reviewers:       %s (password %s)\n  API contract:    %s/api/v1/openapi.yaml\n  Asynqmon:        %s/monitoring/ (sign in as the admin first)\n  certificate key: %s\n  e-mail:          %s\n\n",
		cfg.PublicBaseURL, cfg.AdminEmail, cfg.AdminPassword, strings.Join(reviewers, ", "), reviewerPassword,
		cfg.PublicBaseURL, cfg.PublicBaseURL, certKeyNote, mailNote)
	sys, err := openSystem(ctx, cfg, log)
	if err != nil {
		return err
	}
	sys.devMailbox = devMailbox
	defer sys.close()
	// HTTP stops first (its context is the signal), then the workers finish
	// their running tasks.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var g errgroup.Group
	g.Go(func() error { return sys.work(workCtx) })
	httpErr := sys.serveHTTP(ctx)
	stopWork()
	return errors.Join(httpErr, g.Wait())
}

// devSecret reads a generated secret from dir/name, creating it with
// generate on first use; created says whether it did.
func devSecret(dir, name string, generate func() (string, error)) (secret string, created bool, err error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), false, nil
	}
	secret, err = generate()
	if err != nil {
		return "", false, fmt.Errorf("generate %s: %w", name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("DEV_DIR: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("DEV_DIR: %w", err)
	}
	return secret, true, nil
}

// randomPassword makes up a password for dev's admin.
func randomPassword() (string, error) {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
