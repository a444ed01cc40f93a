package engine

import (
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// The bulk forms of Advance and Enqueue, for steps that change thousands of
// entities at once (a matching round): each writes all its rows with one
// statement, with the same checks and defaults as the single forms.

// EnqueueAll writes tasks to the outbox in the unit with one statement and
// returns their outbox ids in order. It behaves as Enqueue does for each
// task.
func (w *Work) EnqueueAll(tasks []Task) ([]string, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	n := len(tasks)
	rows := make([]models.OutboxRow, n)
	ids, types, payloads, queues, keys := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	processAt := make([]time.Time, n)
	maxRetry, timeouts := make([]int32, n), make([]int32, n)
	for i, task := range tasks {
		row, err := w.outboxRow(task)
		if err != nil {
			return nil, err
		}
		rows[i] = row
		ids[i], types[i], payloads[i], queues[i], keys[i] = row.ID, row.TaskType, string(row.Payload), row.Queue, row.FairKey
		processAt[i], maxRetry[i], timeouts[i] = row.ProcessAt, int32(row.MaxRetry), int32(row.TimeoutSeconds)
	}
	// A row is claimed (dispatched_at set) unless fair dispatch holds it back.
	claimedAt := make([]*time.Time, n)
	counts := make([]int32, n)
	for i, row := range rows {
		claimedAt[i], counts[i] = row.DispatchedAt, int32(row.DispatchCount)
	}
	w.Defer(`INSERT INTO outbox
		(id, task_type, payload, queue, process_at, max_retry, timeout_seconds, dispatched_at, dispatch_count, fair_key,
			trace_parent)
		SELECT u.id, u.task_type, u.payload::jsonb, u.queue, u.process_at, u.max_retry, u.timeout_seconds, u.dispatched_at,
			u.dispatch_count, u.fair_key, $11::text
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::int[],
			$8::timestamptz[], $9::int[], $10::text[])
			AS u(id, task_type, payload, queue, process_at, max_retry, timeout_seconds, dispatched_at, dispatch_count, fair_key)`,
		ids, types, payloads, queues, processAt, maxRetry, timeouts, claimedAt, counts, keys, rows[0].TraceParent)
	for _, row := range rows {
		w.claim(row)
	}
	return ids, nil
}

// AdvanceAll is Advance for many transitions, each of a different entity:
// one statement records the events and the in-app notification of each
// one's owner (owners parallels trs), and with e-mail on one more enqueues
// their e-mail delivery.
func (w *Work) AdvanceAll(m Machine, owners []string, trs []Transition) error {
	if len(owners) != len(trs) {
		return fmt.Errorf("advance %d %s transitions: %d owners given", len(trs), m.Entity, len(owners))
	}
	if len(trs) == 0 {
		return nil
	}
	n := len(trs)
	entities, froms, tos, tasks, notes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempts := make([]int32, n)
	// The texts (actor, reasons, params) repeat across a batch; each is
	// sent once and referenced by its position.
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
	actors, reasons, params := make([]int32, n), make([]int32, n), make([]int32, n)
	seen := make(map[string]struct{}, n)
	for i, tr := range trs {
		ev, err := newEvent(m, tr)
		if err != nil {
			return err
		}
		if _, dup := seen[tr.EntityID]; dup {
			return fmt.Errorf("advance %d %s transitions: %s moves twice", n, m.Entity, tr.EntityID)
		}
		seen[tr.EntityID] = struct{}{}
		entities[i], froms[i], tos[i], tasks[i] = tr.EntityID, tr.From, tr.To, tr.TaskID
		attempts[i], notes[i] = int32(tr.Attempt), models.NewID()
		actors[i], reasons[i] = ref(tr.Actor), ref(ev.reasons)
		params[i] = ref(stateChanged(m, tr.To))
	}
	// Each entity moves once, so the inserted events join back to their
	// notifications by entity id; texts join in by their position.
	query := `WITH u AS (
			SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::int[],
				$9::uuid[], $10::uuid[], $11::int[])
				AS u(entity_id, from_state, to_state, actor, reasons, task_id, attempt, note_id, owner_id, params)),
		t AS (SELECT * FROM unnest($12::text[]) WITH ORDINALITY AS t(text, i)),
		ev AS (
			INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reasons, task_id, attempt)
			SELECT $1::text, u.entity_id, u.from_state, u.to_state, ta.text, tr.text::jsonb, NULLIF(u.task_id, '')::uuid, u.attempt
			FROM u JOIN t ta ON ta.i = u.actor JOIN t tr ON tr.i = u.reasons
			RETURNING id, entity_id)
		INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, code, params)
		SELECT u.note_id, u.owner_id, ev.id, $1::text, u.entity_id, $13, tp.text::jsonb
		FROM ev JOIN u ON u.entity_id = ev.entity_id JOIN t tp ON tp.i = u.params
		RETURNING event_id, account_id`
	args := []any{m.Entity, entities, froms, tos, actors, reasons, tasks, attempts, notes, owners, params, texts, msg.NoticeStateChanged}
	if !w.engine.Email {
		w.Defer(query, args...)
		return nil
	}
	rows, err := w.tx.QueryContext(w.ctx, query, args...)
	if err != nil {
		return fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
	}
	defer rows.Close()
	mail := make([]Task, 0, n)
	for rows.Next() {
		var event int64
		var owner string
		if err := rows.Scan(&event, &owner); err != nil {
			return fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
		}
		mail = append(mail, notifySendTask(event, owner))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("record and notify %d %s transitions: %w", n, m.Entity, err)
	}
	_, err = w.EnqueueAll(mail)
	return err
}
