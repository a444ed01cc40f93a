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
		rows, err := r.claim(tx)
		if err != nil {
			return err
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

// claim locks up to BatchSize undispatched rows, oldest first: rows of the
// default key through outbox_unkeyed_waiting, then (without fair dispatch)
// rows with a key through outbox_fair_waiting, key by key. Each look-up has
// an index of its own rows only, so a college's backlog waiting for the fair
// admitter costs the relay's sweep nothing.
func (r *Relay) claim(tx *gorm.DB) ([]models.OutboxRow, error) {
	lock := clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}
	var rows []models.OutboxRow
	err := tx.Where("dispatched_at IS NULL AND fair_key = ''").Order("created_at").Limit(r.batchSize()).
		Clauses(lock).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("claim outbox rows: %w", err)
	}
	if r.Fair || len(rows) == r.batchSize() {
		return rows, nil
	}
	var keyed []models.OutboxRow
	err = tx.Where("dispatched_at IS NULL AND fair_key <> ''").Order("fair_key, created_at").
		Limit(r.batchSize() - len(rows)).Clauses(lock).Find(&keyed).Error
	if err != nil {
		return nil, fmt.Errorf("claim outbox rows with a fairness key: %w", err)
	}
	return append(rows, keyed...), nil
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
