package workflows

import (
	"context"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// The bulk forms of Advance and Enqueue, for steps that change thousands of
// entities at once (a matching round): each writes all its rows with one
// statement, with the same checks and defaults as the single forms.

// EnqueueAll writes tasks to the outbox inside tx with one statement and
// returns their outbox ids in order. It behaves as Enqueue does for each
// task: nothing reaches Redis unless tx commits, and under WithPending the
// rows are written claimed and collected for Relay.Flush.
func EnqueueAll(ctx context.Context, tx *gorm.DB, tasks []Task) ([]string, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	n := len(tasks)
	pending, _ := ctx.Value(pendingKey{}).(*Pending)
	var dispatchedAt *time.Time
	if pending != nil {
		now := time.Now().UTC()
		dispatchedAt = &now
	}
	rows := make([]models.OutboxRow, n)
	ids, types, payloads, queues := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	processAt := make([]time.Time, n)
	maxRetry, timeouts := make([]int32, n), make([]int32, n)
	for i, task := range tasks {
		row, err := outboxRow(task)
		if err != nil {
			return nil, err
		}
		if dispatchedAt != nil {
			row.DispatchedAt, row.DispatchCount = dispatchedAt, 1
		}
		rows[i] = row
		ids[i], types[i], payloads[i], queues[i] = row.ID, row.TaskType, string(row.Payload), row.Queue
		processAt[i], maxRetry[i], timeouts[i] = row.ProcessAt, int32(row.MaxRetry), int32(row.TimeoutSeconds)
	}
	_, err := tx.Statement.ConnPool.ExecContext(ctx, `INSERT INTO outbox
		(id, task_type, payload, queue, process_at, max_retry, timeout_seconds, dispatched_at, dispatch_count)
		SELECT u.id, u.task_type, u.payload::jsonb, u.queue, u.process_at, u.max_retry, u.timeout_seconds, $8::timestamptz, $9::int
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::int[])
			AS u(id, task_type, payload, queue, process_at, max_retry, timeout_seconds)`,
		ids, types, payloads, queues, processAt, maxRetry, timeouts, dispatchedAt, rows[0].DispatchCount)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d tasks: %w", n, err)
	}
	if pending != nil {
		pending.rows = append(pending.rows, rows...)
	}
	return ids, nil
}

// AdvanceAll is Advance for many transitions, each of a different entity:
// one statement records the events and the in-app notification of each
// one's owner (owners parallels trs), and with e-mail on one more enqueues
// their e-mail delivery. It returns those tasks' outbox ids (none with
// e-mail off).
func AdvanceAll(ctx context.Context, tx *gorm.DB, m Machine, owners []string, trs []Transition) ([]string, error) {
	if len(owners) != len(trs) {
		return nil, fmt.Errorf("advance %d %s transitions: %d owners given", len(trs), m.Entity, len(owners))
	}
	if len(trs) == 0 {
		return nil, nil
	}
	n := len(trs)
	entities, froms, tos, tasks, notes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempts := make([]int32, n)
	// The texts (actor, reason, title, body) repeat across a batch; each
	// is sent once and referenced by its position.
	var texts []string
	index := map[string]int32{}
	ref := func(s string) int32 {
		i, ok := index[s]
		if !ok {
			texts = append(texts, s)
			i = int32(len(texts)) // Postgres arrays count from 1
			index[s] = i
		}
		return i
	}
	actors, reasons, titles, bodies := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	seen := make(map[string]struct{}, n)
	for i, tr := range trs {
		if err := m.Check(tr.From, tr.To); err != nil {
			return nil, err
		}
		if _, dup := seen[tr.EntityID]; dup {
			return nil, fmt.Errorf("advance %d %s transitions: %s moves twice", n, m.Entity, tr.EntityID)
		}
		seen[tr.EntityID] = struct{}{}
		entities[i], froms[i], tos[i], tasks[i] = tr.EntityID, tr.From, tr.To, tr.TaskID
		attempts[i], notes[i] = int32(tr.Attempt), models.NewID()
		title, body := NotificationText(m.Entity, tr.To, tr.Reason)
		actors[i], reasons[i], titles[i], bodies[i] = ref(tr.Actor), ref(tr.Reason), ref(title), ref(body)
	}
	// Each entity moves once, so the inserted events join back to their
	// notifications by entity id; texts join in by their position.
	query := `WITH u AS (
			SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::int[],
				$9::uuid[], $10::uuid[], $11::int[], $12::int[])
				AS u(entity_id, from_state, to_state, actor, reason, task_id, attempt, note_id, owner_id, title, body)),
		t AS (SELECT * FROM unnest($13::text[]) WITH ORDINALITY AS t(text, i)),
		ev AS (
			INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reason, task_id, attempt)
			SELECT $1::text, u.entity_id, u.from_state, u.to_state, ta.text, tr.text, NULLIF(u.task_id, '')::uuid, u.attempt
			FROM u JOIN t ta ON ta.i = u.actor JOIN t tr ON tr.i = u.reason
			RETURNING id, entity_id)
		INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, title, body)
		SELECT u.note_id, u.owner_id, ev.id, $1::text, u.entity_id, tt.text, tb.text
		FROM ev JOIN u ON u.entity_id = ev.entity_id JOIN t tt ON tt.i = u.title JOIN t tb ON tb.i = u.body
		RETURNING event_id, account_id`
	args := []any{m.Entity, entities, froms, tos, actors, reasons, tasks, attempts, notes, owners, titles, bodies, texts}
	if !emailOn(ctx) {
		if _, err := tx.Statement.ConnPool.ExecContext(ctx, query, args...); err != nil {
			return nil, fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
		}
		return nil, nil
	}
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
	}
	defer rows.Close()
	mail := make([]Task, 0, n)
	for rows.Next() {
		var event int64
		var owner string
		if err := rows.Scan(&event, &owner); err != nil {
			return nil, fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
		}
		mail = append(mail, NewNotifySendTask(event, owner))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
	}
	return EnqueueAll(ctx, tx, mail)
}
