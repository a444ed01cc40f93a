package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Relay hands committed outbox rows to Asynq. Several relays may run at once:
// each batch is claimed with FOR UPDATE SKIP LOCKED, and the Asynq task id is
// the row id, so a row is never queued twice.
//
// Most rows never wait for a sweep: a unit of work writes them claimed and
// dispatches them right after its commit (Work). The sweep is the safety net for
// rows whose writer could not (Redis down) and for rows due later. It polls
// rather than LISTENs: NOTIFY takes a database-wide lock at commit that
// would serialise every transaction writing the outbox.
type Relay struct {
	// DB is the pool the relay claims rows with.
	DB *gorm.DB
	// Client enqueues to Asynq.
	Client *asynq.Client
	// Log receives dispatch failures (required).
	Log *slog.Logger
	// BatchSize is how many rows one claim takes. Defaults to 200.
	BatchSize int
	// PollInterval is the time between sweeps. Defaults to 250ms.
	PollInterval time.Duration
	// Fair leaves rows with a fairness key to the fair admitter (Fairness);
	// set it when Engine.Fair is.
	Fair bool
}

func (r *Relay) batchSize() int {
	if r.BatchSize <= 0 {
		return 200
	}
	return r.BatchSize
}

func (r *Relay) pollInterval() time.Duration {
	if r.PollInterval <= 0 {
		return 250 * time.Millisecond
	}
	return r.PollInterval
}

// Run sweeps every PollInterval until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		for {
			n, err := r.DispatchDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					r.Log.WarnContext(ctx, "relay: dispatch failed; will retry", "err", err)
				}
				break
			}
			if n < r.batchSize() {
				break
			}
		}
		timer.Reset(r.pollInterval())
	}
}

// DispatchDue claims up to BatchSize undispatched rows and enqueues them. It
// returns how many it dispatched.
func (r *Relay) DispatchDue(ctx context.Context) (int, error) {
	dispatched := 0
	var enqueueErr error
	err := r.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []models.OutboxRow
		q := tx.Where("dispatched_at IS NULL").Order("created_at").Limit(r.batchSize()).
			Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		if r.Fair {
			q = q.Where("fair_key = ''")
		}
		if err := q.Find(&rows).Error; err != nil {
			return fmt.Errorf("claim outbox rows: %w", err)
		}
		ids := make([]string, 0, len(rows))
		for _, row := range rows {
			if enqueueErr = EnqueueRow(ctx, r.Client, row); enqueueErr != nil {
				break // Redis is failing: mark what reached it, retry the rest later
			}
			ids = append(ids, row.ID)
			observeDispatch("relay", row)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Exec(`UPDATE outbox SET dispatched_at = now(), dispatch_count = dispatch_count + 1 WHERE id IN ?`, ids).Error; err != nil {
			return fmt.Errorf("mark dispatched: %w", err)
		}
		dispatched = len(ids)
		return nil
	})
	if err != nil {
		// Rows that reached Redis but whose mark rolled back are dispatched
		// again later; the task id makes that a no-op.
		return 0, err
	}
	return dispatched, enqueueErr
}

// EnqueueRow hands one outbox row to Asynq with the row id as task id.
func EnqueueRow(ctx context.Context, client *asynq.Client, row models.OutboxRow) error {
	opts := []asynq.Option{
		asynq.TaskID(row.ID),
		asynq.Queue(row.Queue),
		asynq.MaxRetry(row.MaxRetry),
		asynq.Timeout(time.Duration(row.TimeoutSeconds) * time.Second),
	}
	if row.ProcessAt.After(time.Now()) {
		opts = append(opts, asynq.ProcessAt(row.ProcessAt))
	}
	_, err := client.EnqueueContext(ctx, newTask(row), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue %s %s: %w", row.TaskType, row.ID, err)
	}
	return nil
}
