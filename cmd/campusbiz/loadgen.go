package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/loadgen"
)

// loadgenFlags runs simulated applicants against a running system. Admin
// credentials come from ADMIN_EMAIL and ADMIN_PASSWORD, like seed's.
func loadgenFlags(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	var c loadgen.Config
	fs.StringVar(&c.BaseURL, "url", "http://localhost:8080", "the running system's base URL")
	fs.IntVar(&c.Concurrency, "concurrency", 8, "applicants running at once")
	fs.DurationVar(&c.Duration, "duration", 0, "start applicants for this long (e.g. 30s); running ones finish")
	fs.IntVar(&c.Count, "count", 0, "run this many applicants (0: until -duration)")
	fs.StringVar(&c.CollegeID, "college", "", "college id every applicant joins (default: the first GET /colleges lists)")
	fs.DurationVar(&c.Settle, "settle", 0, "longest wait for a workflow to settle (default 30s)")
	noAdmin := fs.Bool("no-admin", false, "do not confirm shops even when ADMIN_EMAIL is set")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		if !*noAdmin {
			c.AdminEmail, c.AdminPassword = cfg.AdminEmail, cfg.AdminPassword
		}
		c.Progress = os.Stderr
		log.Info("loadgen: starting", "url", c.BaseURL, "concurrency", c.Concurrency, "count", c.Count,
			"duration", c.Duration.String(), "confirm_shops", c.AdminEmail != "")
		s, err := loadgen.Run(ctx, c)
		if err != nil {
			return err
		}
		return s.WriteTable(os.Stdout)
	}
}
