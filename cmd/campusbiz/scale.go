package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/seed"
	"github.com/campusbiz/campusbiz/models"
)

// seedFlags is plain seed, plus --students N: bulk-load N students after it.
func seedFlags(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	students := fs.Int64("students", 0, "also bulk-load this many students (accounts, verified profiles, shops, fund applications, reviews) for scale measurements; password "+seed.StudentsPassword)
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		if err := runSeed(ctx, cfg, log); err != nil {
			return err
		}
		if *students <= 0 {
			return nil
		}
		return seedStudents(ctx, cfg, log, *students)
	}
}

func seedStudents(ctx context.Context, cfg config.Config, log *slog.Logger, n int64) error {
	db, err := models.Open(ctx, cfg.DatabaseURL, models.PoolConfig{MaxOpenConns: 2})
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer models.Close(db)
	hash, err := accounts.HashPassword(seed.StudentsPassword)
	if err != nil {
		return err
	}
	start := time.Now()
	stepStart, last, step := start, start, ""
	err = seed.Students(ctx, db, seed.BulkStudents{N: n, PasswordHash: hash, Progress: func(name string, done, total int64) {
		if name != step {
			if step != "" {
				fmt.Fprintln(os.Stderr)
			}
			step, stepStart = name, last
		}
		last = time.Now()
		el := time.Since(stepStart)
		fmt.Fprintf(os.Stderr, "\rseed: %-17s %11d/%d students %5.1f%%  %8.0f students/s  %s",
			name, done, total, 100*float64(done)/float64(total), float64(done)/el.Seconds(), el.Round(time.Second))
	}})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	if _, err := models.CompactStateCounts(ctx, db); err != nil {
		return err
	}
	log.Info("seed: students", "n", n, "took", time.Since(start).Round(time.Second).String())
	return nil
}
