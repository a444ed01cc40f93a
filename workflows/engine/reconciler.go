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
	// Inspector looks tasks up by id.
	Inspector *asynq.Inspector
	// Log receives what the sweep did (required).
	Log *slog.Logger
	// Grace is how long a dispatched row may stay incomplete before it is
	// checked. Defaults to 2 minutes.
	Grace time.Duration
	// Interval is the time between sweeps. Defaults to 30 seconds.
	Interval time.Duration
	// BatchSize caps the rows one sweep checks. Defaults to 1000.
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
	interval := r.Interval
	if interval <= 0 {
		interval = 30 * time.Second
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
		grace = 2 * time.Minute
	}
	limit := r.BatchSize
	if limit <= 0 {
		limit = 1000
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
		var rows []models.OutboxRow
		cutoff := time.Now().Add(-grace)
		err = r.DB.WithContext(ctx).
			Where("dispatched_at IS NOT NULL AND failed_at IS NULL").
			Where("dispatched_at < ? AND process_at < ?", cutoff, cutoff).
			Order("dispatched_at").Limit(limit).Find(&rows).Error
		if err != nil {
			return fmt.Errorf("find stale outbox rows: %w", err)
		}
		for _, row := range rows {
			rep.Checked++
			if err := r.check(ctx, row, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	observeSweep(rep, err)
	return rep, err
}

func (r *Reconciler) check(ctx context.Context, row models.OutboxRow, rep *SweepReport) error {
	info, err := r.Inspector.GetTaskInfo(row.Queue, row.ID)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		if err := EnqueueRow(ctx, r.Client, row); err != nil {
			return fmt.Errorf("redispatch: %w", err)
		}
		err := r.DB.WithContext(ctx).Exec(`UPDATE outbox SET dispatched_at = now(), dispatch_count = dispatch_count + 1
			WHERE id = ?`, row.ID).Error
		if err != nil {
			return fmt.Errorf("mark redispatched %s: %w", row.ID, err)
		}
		rep.Redispatched++
		r.Log.WarnContext(ctx, "reconciler: task lost by the broker, dispatched again", "task_id", row.ID, "type", row.TaskType)
	case err != nil:
		return fmt.Errorf("look up task %s: %w", row.ID, err)
	case info.State == asynq.TaskStateArchived:
		sqlDB, err := r.DB.DB()
		if err == nil {
			_, err = sqlDB.ExecContext(ctx, markFailed, row.ID, truncate("archived: "+info.LastErr, 2000))
		}
		if err != nil {
			return fmt.Errorf("mark task %s failed: %w", row.ID, err)
		}
		rep.Archived++
	}
	return nil
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
