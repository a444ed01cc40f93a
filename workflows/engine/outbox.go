package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/internal/tracing"
	"github.com/campusbiz/campusbiz/models"
)

// Queue names and their weights.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
	// QueueShops holds shop-page fetches, slow outside work: an Asynq server
	// of its own serves it with a concurrency cap (SHOP_CONCURRENCY), so the
	// fetches never hold the workers of the weighted queues.
	QueueShops = "shops"
)

// QueueWeights are the Asynq queue priorities (critical 6, default 3, low 1)
// of the main worker pool.
var QueueWeights = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// AllQueues lists every queue some Asynq server serves.
var AllQueues = []string{QueueCritical, QueueDefault, QueueLow, QueueShops}

// KnownQueue reports whether some Asynq server serves queue q.
func KnownQueue(q string) bool { return slices.Contains(AllQueues, q) }

// Task is background work for Work.Enqueue. How it is queued and run comes
// from its type's entry in the registry.
type Task struct {
	// Type is a registered task type.
	Type string
	// Payload is marshalled to JSON; it carries ids only, never personal data.
	Payload any
	// ProcessAt delays the task; zero means now.
	ProcessAt time.Time
	// FairKey is the fairness key, the college whose work it is; "" is the
	// default key. With fair dispatch on (Engine.Fair), a task with a key
	// is admitted to Asynq by the fair admitter, not by its unit of work.
	FairKey string
}

// For returns t with the fairness key key (a college id).
func (t Task) For(key string) Task {
	t.FairKey = key
	return t
}

// Options say how a task type is queued and run.
type Options struct {
	// Queue is one of the Queue* constants.
	Queue string
	// MaxRetry is how many times Asynq retries a failing task.
	MaxRetry int
	// Timeout bounds one run of the task.
	Timeout time.Duration
}

// Enqueue writes task to the outbox in the unit and returns the outbox id,
// which becomes the Asynq task id. Nothing reaches Redis unless the unit
// commits; then the engine dispatches it at once, or the relay's sweep does.
func (w *Work) Enqueue(task Task) (string, error) {
	row, err := w.outboxRow(task)
	if err != nil {
		return "", err
	}
	// Nothing in the unit reads the row back: a deferred write.
	w.Defer(`INSERT INTO outbox (id, task_type, payload, queue, process_at, max_retry, timeout_seconds,
			dispatched_at, dispatch_count, fair_key, trace_parent) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11)`,
		row.ID, row.TaskType, string(row.Payload), row.Queue, row.ProcessAt, row.MaxRetry, row.TimeoutSeconds,
		row.DispatchedAt, row.DispatchCount, row.FairKey, row.TraceParent)
	w.claim(row)
	return row.ID, nil
}

// OutboxRow builds the outbox row of task in the unit, for a use case that
// writes it with a statement of its own (the busiest submissions write the
// entity, its event and its task in one). Call Claimed with it once the
// statement is queued or run.
func (w *Work) OutboxRow(task Task) (models.OutboxRow, error) {
	return w.outboxRow(task)
}

// Claimed tells the unit that row, from OutboxRow, was written: it is
// dispatched after the commit.
func (w *Work) Claimed(row models.OutboxRow) { w.claim(row) }

func (w *Work) claim(row models.OutboxRow) {
	if w.directFor(row) {
		w.claimed = append(w.claimed, row)
	}
}

// outboxRow checks task, fills in its type's options and gives it a new id;
// under direct dispatch it is written already claimed (dispatched_at set).
func (w *Work) outboxRow(task Task) (models.OutboxRow, error) {
	opts, ok := w.engine.Tasks[task.Type]
	if !ok {
		return models.OutboxRow{}, fmt.Errorf("enqueue %s: not a registered task type", task.Type)
	}
	payload, err := json.Marshal(task.Payload)
	if err != nil {
		return models.OutboxRow{}, fmt.Errorf("enqueue %s: marshal payload: %w", task.Type, err)
	}
	row := models.OutboxRow{
		ID:             models.NewID(),
		TaskType:       task.Type,
		Payload:        payload,
		Queue:          opts.Queue,
		ProcessAt:      task.ProcessAt,
		MaxRetry:       opts.MaxRetry,
		TimeoutSeconds: int(opts.Timeout.Seconds()),
		FairKey:        task.FairKey,
		TraceParent:    tracing.TraceParent(w.ctx),
	}
	if row.ProcessAt.IsZero() {
		row.ProcessAt = time.Now().UTC()
	}
	if w.directFor(row) {
		now := time.Now().UTC()
		row.DispatchedAt, row.DispatchCount = &now, 1
	}
	return row, nil
}
