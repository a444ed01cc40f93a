package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
)

// Machine is a workflow's state machine: which transitions are allowed and
// which states are final.
type Machine struct {
	// Entity is the entity type written on events ("onboarding", "shop", ...).
	Entity string
	// Initial is the state a new entity starts in.
	Initial string
	// Transitions maps a state to the states it may move to.
	Transitions map[string][]string
	// Final lists the states that end the workflow.
	Final []string
}

// Allows reports whether the machine may move from one state to another.
// The empty from-state stands for creation and allows only Initial.
func (m Machine) Allows(from, to string) bool {
	if from == "" {
		return to == m.Initial
	}
	return slices.Contains(m.Transitions[from], to)
}

// Check returns an error wrapping ErrConflict when from→to is not allowed.
func (m Machine) Check(from, to string) error {
	if !m.Allows(from, to) {
		return fmt.Errorf("%s: %q to %q: %w", m.Entity, from, to, ErrConflict)
	}
	return nil
}

// IsFinal reports whether state ends the workflow.
func (m Machine) IsFinal(state string) bool {
	return slices.Contains(m.Final, state)
}

// Transition is one state change to record.
type Transition struct {
	EntityID string
	From     string
	To       string
	// Actor is "account:<id>" for a person, "task:<type>" for a worker.
	Actor string
	// Reasons say why, as codes with parameters (rendered at the edge).
	Reasons []models.Reason
	// TaskID and Attempt identify the Asynq task that made the change.
	TaskID  string
	Attempt int
}

// ActorAccount names a person as an event's actor.
func ActorAccount(accountID string) string { return "account:" + accountID }

// ActorTask names a task type as an event's actor.
func ActorTask(taskType string) string { return "task:" + taskType }

// event is one workflow_events row's values, checked against its machine.
type event struct {
	entity, entityID, from, to, actor string
	reasons                           string // JSON
	taskID                            *string
	attempt                           int
}

func newEvent(m Machine, tr Transition) (event, error) {
	if err := m.Check(tr.From, tr.To); err != nil {
		return event{}, err
	}
	ev := event{entity: m.Entity, entityID: tr.EntityID, from: tr.From, to: tr.To, actor: tr.Actor,
		reasons: reasonsJSON(tr.Reasons), attempt: tr.Attempt}
	if tr.TaskID != "" {
		ev.taskID = &tr.TaskID
	}
	return ev, nil
}

// values are the event's arguments to insertEvent.
func (ev event) values() []any {
	return []any{ev.entity, ev.entityID, ev.from, ev.to, ev.actor, ev.reasons, ev.taskID, ev.attempt}
}

// insertEvent inserts one event ($1…$8, the order of event.values).
const insertEvent = `INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reasons, task_id, attempt)
	VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`

// reasonsJSON is reasons as a jsonb value (never null).
func reasonsJSON(reasons []models.Reason) string {
	if len(reasons) == 0 {
		return "[]"
	}
	b, err := json.Marshal(reasons)
	if err != nil {
		panic(fmt.Sprintf("marshal reasons: %v", err)) // strings and JSON values only: cannot fail
	}
	return string(b)
}

// paramsJSON is params as a jsonb value (never null).
func paramsJSON(params map[string]any) string {
	if len(params) == 0 {
		return "{}"
	}
	b, err := json.Marshal(params)
	if err != nil {
		panic(fmt.Sprintf("marshal params: %v", err)) // message parameters are JSON values
	}
	return string(b)
}

// stateChanged is the parameters (JSON) of the msg.NoticeStateChanged
// notification of a move of m's entity to state.
func stateChanged(m Machine, state string) string {
	return paramsJSON(map[string]any{"entity": m.Entity, "state": state})
}

// Record checks tr against the machine and appends it to the entity's
// timeline, as a deferred write.
func (w *Work) Record(m Machine, tr Transition) error {
	ev, err := newEvent(m, tr)
	if err != nil {
		return err
	}
	w.Defer(insertEvent, ev.values()...)
	return nil
}

// Advance records a transition and, in the same statement, the in-app
// notification of the entity's owner, so the two are written exactly once
// with the state change. With e-mail on (Engine.Email), it also enqueues
// notify:send to e-mail that notification.
func (w *Work) Advance(m Machine, ownerID string, tr Transition) error {
	ev, err := newEvent(m, tr)
	if err != nil {
		return err
	}
	params := stateChanged(m, tr.To)
	args := append(ev.values(), models.NewID(), ownerID, msg.NoticeStateChanged, params)
	const insert = `WITH ev AS (` + insertEvent + ` RETURNING id)
		INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, code, params)
		SELECT $9, $10, ev.id, $1, $2, $11, $12::jsonb FROM ev`
	if !w.engine.Email {
		// Nothing needs the event's id: a deferred write.
		w.Defer(insert, args...)
		return nil
	}
	var eventID int64
	if err := w.tx.QueryRowContext(w.ctx, insert+` RETURNING event_id`, args...).Scan(&eventID); err != nil {
		return fmt.Errorf("record %s %s→%s and notify: %w", m.Entity, tr.From, tr.To, err)
	}
	_, err = w.Enqueue(notifySendTask(eventID, ownerID))
	return err
}

// NotifyReviewAssigned tells a reviewer, in the app, that the fund
// application applicationID awaits their review, due at due. Call it after
// the application's move to state was recorded in the unit (Advance): the
// notification refers to that event. A deferred write; reviewers get no
// e-mail.
func (w *Work) NotifyReviewAssigned(reviewerID, applicationID, state string, due time.Time) {
	w.Defer(`INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, code, params)
		SELECT $1, $2, max(id), 'fund', $3, $4, $5::jsonb FROM workflow_events
		WHERE entity_id = $3 AND to_state = $6`,
		models.NewID(), reviewerID, applicationID, msg.NoticeReviewAssigned,
		paramsJSON(map[string]any{"due": due.UTC()}), state)
}

// Events lists an entity's timeline, oldest first, after the event id
// afterID (0: from the start), at most limit events.
func Events(ctx context.Context, db *gorm.DB, entityID string, afterID int64, limit int) ([]models.WorkflowEvent, error) {
	var evs []models.WorkflowEvent
	err := db.WithContext(ctx).Where("entity_id = ? AND id > ?", entityID, afterID).
		Order("id").Limit(limit).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", entityID, err)
	}
	return evs, nil
}
