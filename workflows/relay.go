package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Relay hands committed outbox rows to Asynq. Several relays may run at once:
// each batch is claimed with FOR UPDATE SKIP LOCKED, and the Asynq task id is
// the row id, so a row is never queued twice.
type Relay struct {
	// DB is the pool the relay claims rows with.
	DB *gorm.DB
	// Client enqueues to Asynq.
	Client *asynq.Client
	// Log receives dispatch failures.
	Log *slog.Logger
	// ListenDSN, when set, is used for a LISTEN connection that wakes the
	// relay as soon as rows commit. Without it the relay only polls.
	ListenDSN string
	// BatchSize is how many rows one claim takes. Defaults to 200.
	BatchSize int
	// PollInterval is the longest the relay sleeps between sweeps. Defaults to 1s.
	PollInterval time.Duration
}

func (r *Relay) batchSize() int {
	if r.BatchSize <= 0 {
		return 200
	}
	return r.BatchSize
}

func (r *Relay) pollInterval() time.Duration {
	if r.PollInterval <= 0 {
		return time.Second
	}
	return r.PollInterval
}

// Run dispatches until ctx ends, waking on NOTIFY or every PollInterval.
func (r *Relay) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	if r.ListenDSN != "" {
		go r.listen(ctx, wake)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-wake:
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

// listen holds a LISTEN connection and signals wake on every notification,
// reconnecting after errors; the poll covers the gaps.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		r.Log.WarnContext(ctx, "relay: listen connection lost; polling until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func (r *Relay) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	conn, err := pgx.Connect(ctx, r.ListenDSN)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{"campusbiz_outbox_" + schema}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		select {
		case wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// DispatchDue claims up to BatchSize undispatched rows and enqueues them. It
// returns how many it dispatched.
func (r *Relay) DispatchDue(ctx context.Context) (int, error) {
	return r.dispatch(ctx, func(q *gorm.DB) *gorm.DB {
		return q.Where("dispatched_at IS NULL").Order("created_at").Limit(r.batchSize())
	})
}

// DispatchIDs is the fast path the API takes right after its transaction
// commits: it dispatches exactly these rows, skipping any another relay holds.
func (r *Relay) DispatchIDs(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.dispatch(ctx, func(q *gorm.DB) *gorm.DB {
		return q.Where("id IN ? AND dispatched_at IS NULL", ids)
	})
	return err
}

func (r *Relay) dispatch(ctx context.Context, scope func(*gorm.DB) *gorm.DB) (int, error) {
	dispatched := 0
	var enqueueErr error
	err := r.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []models.OutboxRow
		q := scope(tx.Model(&models.OutboxRow{})).Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		if err := q.Find(&rows).Error; err != nil {
			return fmt.Errorf("claim outbox rows: %w", err)
		}
		ids := make([]string, 0, len(rows))
		for _, row := range rows {
			if enqueueErr = EnqueueRow(ctx, r.Client, row); enqueueErr != nil {
				break // Redis is failing: mark what reached it, retry the rest later
			}
			ids = append(ids, row.ID)
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
	_, err := client.EnqueueContext(ctx, asynq.NewTask(row.TaskType, row.Payload), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue %s %s: %w", row.TaskType, row.ID, err)
	}
	return nil
}
