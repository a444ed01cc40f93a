package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Reconciler finds work that Redis lost or never got: outbox rows dispatched
// but not completed after a grace period whose task Asynq no longer knows.
// It dispatches them again, and marks rows whose task Asynq archived as
// failed. Only one sweep runs at a time across all workers (a Postgres
// advisory lock), and it never touches a task Asynq still holds as pending,
// active, scheduled, retrying or aggregating.
type Reconciler struct {
	// DB is the database holding the outbox.
	DB *gorm.DB
	// Client re-enqueues lost tasks.
	Client *asynq.Client
	// Inspector reads why an archived task failed.
	Inspector *asynq.Inspector
	// Redis is the client the sweep looks tasks up with, a page of rows per
	// pipeline (Asynq's own Redis; required).
	Redis redis.UniversalClient
	// Log receives what the sweep did (required).
	Log *slog.Logger
	// Grace is how long a dispatched row may stay incomplete before it is
	// checked. Defaults to 20 seconds.
	Grace time.Duration
	// Interval is the time between sweeps. Defaults to 10 seconds: work
	// Redis lost is found within Interval (if dispatched more than Grace
	// ago) or Grace + Interval, 30 s by default.
	Interval time.Duration
	// BatchSize is how many rows one page of a sweep checks in one Redis
	// pipeline; a sweep reads every stale row, page after page. Defaults
	// to 5000.
	BatchSize int
}

// SweepReport counts what one sweep found.
type SweepReport struct {
	// Skipped is true when another reconciler held the lock.
	Skipped bool
	// Checked rows were old enough to ask Asynq about.
	Checked int
	// Redispatched rows had been lost by Redis and were enqueued again.
	Redispatched int
	// Archived rows were found archived by Asynq and marked failed.
	Archived int
}

// Run sweeps every Interval until ctx ends.
func (r *Reconciler) Run(ctx context.Context) error {
	if r.Redis == nil {
		return errors.New("reconciler: no Redis client to look tasks up with")
	}
	interval := r.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		rep, err := r.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			r.Log.WarnContext(ctx, "reconciler: sweep failed", "err", err)
		case rep.Redispatched > 0 || rep.Archived > 0:
			r.Log.InfoContext(ctx, "reconciler: sweep", "checked", rep.Checked, "redispatched", rep.Redispatched, "archived", rep.Archived)
		}
	}
}

// Sweep runs one reconciliation pass, unless another reconciler is running one.
func (r *Reconciler) Sweep(ctx context.Context) (SweepReport, error) {
	grace := r.Grace
	if grace <= 0 {
		grace = 20 * time.Second
	}
	limit := r.BatchSize
	if limit <= 0 {
		limit = 5000
	}
	var rep SweepReport
	// The advisory lock lives as long as this transaction; the work itself
	// uses other connections so that it never holds row locks handlers need.
	err := r.DB.WithContext(ctx).Transaction(func(lockTx *gorm.DB) error {
		var locked bool
		err := lockTx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('campusbiz_reconciler_' || current_schema()))`).Row().Scan(&locked)
		if err != nil {
			return fmt.Errorf("take reconciler lock: %w", err)
		}
		if !locked {
			rep.Skipped = true
			return nil
		}
		cutoff := time.Now().Add(-grace)
		// Pages in (dispatched_at, id) order: rows dispatched again leave
		// the window, rows Redis still holds stay behind the cursor.
		var afterAt time.Time
		afterID := "00000000-0000-0000-0000-000000000000"
		for {
			var rows []models.OutboxRow
			err := r.DB.WithContext(ctx).
				Where("dispatched_at IS NOT NULL AND failed_at IS NULL").
				Where("dispatched_at < ? AND process_at < ?", cutoff, cutoff).
				Where("(dispatched_at, id) > (?, ?)", afterAt, afterID).
				Order("dispatched_at, id").Limit(limit).Find(&rows).Error
			if err != nil {
				return fmt.Errorf("find stale outbox rows: %w", err)
			}
			if len(rows) == 0 {
				return nil
			}
			rep.Checked += len(rows)
			if err := r.recoverPage(ctx, rows, &rep); err != nil {
				return err
			}
			last := rows[len(rows)-1]
			afterAt, afterID = *last.DispatchedAt, last.ID
			if len(rows) < limit {
				return nil
			}
		}
	})
	observeSweep(rep, err)
	return rep, err
}

// markFailed records that a task gave up ($1 the outbox id, $2 why); admin
// stats report such rows.
const markFailed = `UPDATE outbox SET failed_at = now(), last_error = $2 WHERE id = $1`

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
