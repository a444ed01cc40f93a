package workflows

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// Transition is one state change to record.
type Transition struct {
	EntityID string
	From     string
	To       string
	// Actor is "account:<id>" for a person, "task:<type>" for a worker.
	Actor  string
	Reason string
	// TaskID and Attempt identify the Asynq task that made the change.
	TaskID  string
	Attempt int
}

// ActorAccount names a person as an event's actor.
func ActorAccount(accountID string) string { return "account:" + accountID }

// ActorTask names a task type as an event's actor.
func ActorTask(taskType string) string { return "task:" + taskType }

// Record checks tr against the machine and appends it to workflow_events in
// tx, as a deferred write (see Defer).
func Record(ctx context.Context, tx *gorm.DB, m Machine, tr Transition) error {
	ev, err := newEvent(m, tr)
	if err != nil {
		return err
	}
	if err := Defer(ctx, tx, insertEvent, eventValues(ev)...); err != nil {
		return fmt.Errorf("record %s %s→%s: %w", m.Entity, tr.From, tr.To, err)
	}
	return nil
}

// insertEvent inserts one event; eventValues gives its arguments.
const insertEvent = `INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reason, task_id, attempt)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func eventValues(ev models.WorkflowEvent) []any {
	return []any{ev.EntityType, ev.EntityID, ev.FromState, ev.ToState, ev.Actor, ev.Reason, ev.TaskID, ev.Attempt}
}

// newEvent checks tr against the machine and builds its event row.
func newEvent(m Machine, tr Transition) (models.WorkflowEvent, error) {
	if err := m.Check(tr.From, tr.To); err != nil {
		return models.WorkflowEvent{}, err
	}
	ev := models.WorkflowEvent{
		EntityType: m.Entity, EntityID: tr.EntityID, FromState: tr.From, ToState: tr.To,
		Actor: tr.Actor, Reason: tr.Reason, Attempt: tr.Attempt,
	}
	if tr.TaskID != "" {
		ev.TaskID = &tr.TaskID
	}
	return ev, nil
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
