package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"strings"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/internal/mailsink"
)

// loadgenFlags runs simulated applicants against a running system. Admin
// credentials come from ADMIN_EMAIL and ADMIN_PASSWORD, like seed's; the
// reviewers' shared password from REVIEWER_PASSWORD (dev keeps its demo
// reviewers' in .dev/reviewer-password).
func loadgenFlags(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	var c loadgen.Config
	fs.StringVar(&c.BaseURL, "url", "http://localhost:8080", "the running system's base URL")
	fs.IntVar(&c.Concurrency, "concurrency", 8, "applicants running at once")
	fs.DurationVar(&c.Duration, "duration", 0, "start applicants for this long (e.g. 30s); running ones finish")
	fs.IntVar(&c.Count, "count", 0, "run this many applicants (0: until -duration)")
	fs.StringVar(&c.CollegeID, "college", "", "college id every applicant joins (default: the first GET /colleges lists)")
	fs.DurationVar(&c.Settle, "settle", 0, "longest wait for a workflow to settle (default 30s)")
	noAdmin := fs.Bool("no-admin", false, "do not confirm shops even when ADMIN_EMAIL is set")
	sinkAddr := fs.String("smtp-sink", "", "listen for SMTP on this loopback address (e.g. 127.0.0.1:2525) and read the "+
		"onboarding codes from what arrives; run the system with SMTP_URL=smtp://that-address (without it, applicants stop "+
		"when their profile awaits its e-mail code)")
	reviewers := fs.String("reviewers", "", "comma-separated e-mails of reviewers who approve every fund application "+
		"(password in REVIEWER_PASSWORD; e.g. dev's reviewer1@campusbiz.local,reviewer2@campusbiz.local)")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		if !*noAdmin {
			c.AdminEmail, c.AdminPassword = cfg.AdminEmail, cfg.AdminPassword
		}
		for email := range strings.SplitSeq(*reviewers, ",") {
			if email = strings.TrimSpace(email); email != "" {
				c.Reviewers = append(c.Reviewers, loadgen.Login{Email: email, Password: os.Getenv("REVIEWER_PASSWORD")})
			}
		}
		if len(c.Reviewers) > 0 && os.Getenv("REVIEWER_PASSWORD") == "" {
			return errors.New("loadgen: -reviewers needs REVIEWER_PASSWORD")
		}
		if *sinkAddr != "" {
			sink, err := mailsink.Start(*sinkAddr, 0)
			if err != nil {
				return err
			}
			defer sink.Close()
			c.Mailbox = sink
			log.Info("loadgen: reading onboarding codes", "smtp_url", sink.URL())
		}
		c.Progress = os.Stderr
		log.Info("loadgen: starting", "url", c.BaseURL, "concurrency", c.Concurrency, "count", c.Count,
			"duration", c.Duration.String(), "confirm_shops", c.AdminEmail != "", "reviewers", len(c.Reviewers))
		s, err := loadgen.Run(ctx, c)
		if err != nil {
			return err
		}
		return s.WriteTable(os.Stdout)
	}
}
