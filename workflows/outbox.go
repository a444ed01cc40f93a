package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// Enqueue writes task to the outbox inside tx and returns the outbox id, which
// becomes the Asynq task id. Nothing reaches Redis unless tx commits.
//
// When ctx carries a Pending (WithPending), the row is written already
// claimed (dispatched_at set) and remembered, and the caller hands it to
// Asynq itself right after commit with Relay.Flush: no relay round trip.
// Otherwise the relay's next sweep dispatches it.
func Enqueue(ctx context.Context, tx *gorm.DB, task Task) (string, error) {
	row, err := outboxRow(task)
	if err != nil {
		return "", err
	}
	pending := claim(ctx, &row)
	// Nothing in the transaction reads the row back: a deferred write.
	err = Defer(ctx, tx, `INSERT INTO outbox (id, task_type, payload, queue, process_at, max_retry, timeout_seconds,
			dispatched_at, dispatch_count) VALUES (?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.TaskType, string(row.Payload), row.Queue, row.ProcessAt, row.MaxRetry, row.TimeoutSeconds,
		row.DispatchedAt, row.DispatchCount)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: %w", task.Type, err)
	}
	pending.add(row)
	return row.ID, nil
}

// claim marks row as already dispatched when ctx carries a Pending, and
// returns that Pending (nil otherwise); add the row to it once written.
func claim(ctx context.Context, row *models.OutboxRow) *Pending {
	pending, _ := ctx.Value(pendingKey{}).(*Pending)
	if pending != nil {
		now := time.Now().UTC()
		row.DispatchedAt, row.DispatchCount = &now, 1
	}
	return pending
}

// add remembers a claimed row written in the transaction; nil does nothing.
func (p *Pending) add(row models.OutboxRow) {
	if p != nil {
		p.rows = append(p.rows, row)
	}
}

// Pending collects the outbox rows written under one transaction that its
// caller will dispatch after commit.
type Pending struct {
	rows []models.OutboxRow
}

type pendingKey struct{}

// WithPending returns a context under which Enqueue claims its rows for
// direct dispatch, and the Pending that collects them. Call Relay.Flush
// only after the transaction commits; after a rollback, drop the Pending.
func WithPending(ctx context.Context) (context.Context, *Pending) {
	p := &Pending{}
	return context.WithValue(ctx, pendingKey{}, p), p
}

// outboxRow checks task, fills in its defaults and gives it a new id.
func outboxRow(task Task) (models.OutboxRow, error) {
	payload, err := json.Marshal(task.Payload)
	if err != nil {
		return models.OutboxRow{}, fmt.Errorf("enqueue %s: marshal payload: %w", task.Type, err)
	}
	if task.Queue == "" {
		task.Queue = QueueDefault
	}
	if _, ok := QueueWeights[task.Queue]; !ok {
		return models.OutboxRow{}, fmt.Errorf("enqueue %s: unknown queue %q", task.Type, task.Queue)
	}
	if task.Timeout <= 0 {
		task.Timeout = 30 * time.Second
	}
	row := models.OutboxRow{
		ID:             models.NewID(),
		TaskType:       task.Type,
		Payload:        payload,
		Queue:          task.Queue,
		ProcessAt:      task.ProcessAt,
		MaxRetry:       task.MaxRetry,
		TimeoutSeconds: int(task.Timeout.Seconds()),
	}
	if row.ProcessAt.IsZero() {
		row.ProcessAt = time.Now().UTC()
	}
	return row, nil
}
