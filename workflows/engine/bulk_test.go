package engine

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestAdvanceAllRecordsAndNotifiesEachOnce(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, nil)
	db := e.DB
	ctx := context.Background()
	owners := accounts(t, db, 3)
	entities := []string{models.NewID(), models.NewID(), models.NewID()}
	taskID := models.NewID()
	noOffer := []models.Reason{{Code: "test.no_offer"}}
	trs := make([]Transition, 3)
	for i := range trs {
		trs[i] = Transition{EntityID: entities[i], From: "pending", To: "unmatched",
			Actor: ActorTask("test:match"), Reasons: noOffer, TaskID: taskID, Attempt: 2}
	}
	trs[1].To = "offered"
	trs[1].Reasons = []models.Reason{{Field: "place", Code: "test.offered", Params: map[string]any{"place": "one", "rank": 1}}}

	require.NoError(t, e.Do(ctx, func(w *Work) error { return w.AdvanceAll(testMachine, owners, trs) }))
	require.Zero(t, count(t, db, `SELECT count(*) FROM outbox`), "no e-mail tasks with e-mail off")
	var got []struct {
		EntityType, EntityID, ToState, Actor, AccountID string
		NoteEntityType, NoteEntityID, Code              string
		Reasons, Params                                 string
		TaskID                                          string
		Attempt                                         int
	}
	require.NoError(t, db.Raw(`SELECT e.entity_type, e.entity_id, e.to_state, e.actor, e.reasons::text AS reasons, e.task_id,
			e.attempt, n.account_id, n.entity_type AS note_entity_type, n.entity_id AS note_entity_id, n.code,
			n.params::text AS params
		FROM workflow_events e JOIN notifications n ON n.event_id = e.id`).Scan(&got).Error)
	require.Len(t, got, 3)
	require.Equal(t, 3, count(t, db, `SELECT count(*) FROM workflow_events`), "one event each")
	require.Equal(t, 3, count(t, db, `SELECT count(*) FROM notifications`), "one notification each")
	for _, g := range got {
		i := slices.Index(entities, g.EntityID)
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, testMachine.Entity, g.EntityType)
		require.Equal(t, owners[i], g.AccountID, "each entity's owner is notified")
		require.Equal(t, trs[i].To, g.ToState)
		require.Equal(t, trs[i].Actor, g.Actor)
		wantReasons, err := json.Marshal(trs[i].Reasons)
		require.NoError(t, err)
		require.JSONEq(t, string(wantReasons), g.Reasons)
		require.Equal(t, taskID, g.TaskID)
		require.Equal(t, 2, g.Attempt)
		require.Equal(t, testMachine.Entity, g.NoteEntityType)
		require.Equal(t, g.EntityID, g.NoteEntityID)
		require.Equal(t, msg.NoticeStateChanged, g.Code)
		require.JSONEq(t, `{"entity": "application", "state": "`+trs[i].To+`"}`, g.Params)
	}

	// With e-mail on, each notification also gets its notify:send task.
	e.Email = true
	more := accounts(t, db, 2)
	moved := []string{models.NewID(), models.NewID()}
	require.NoError(t, e.Do(ctx, func(w *Work) error {
		return w.AdvanceAll(testMachine, more, []Transition{
			{EntityID: moved[0], From: "offered", To: "declined", Actor: "t"},
			{EntityID: moved[1], From: "offered", To: "accepted", Actor: "t"},
		})
	}))
	var rows []models.OutboxRow
	require.NoError(t, db.Find(&rows).Error)
	require.Len(t, rows, 2)
	var recipients []string
	for _, row := range rows {
		require.Equal(t, TypeNotifySend, row.TaskType)
		require.Equal(t, testTasks[TypeNotifySend].Queue, row.Queue)
		var p NotifySendPayload
		require.NoError(t, DecodePayload(row.Payload, &p))
		require.Equal(t, 1, count(t, db, `SELECT count(*) FROM notifications n JOIN workflow_events e ON e.id = n.event_id
			WHERE n.event_id = ? AND n.account_id = ? AND e.entity_id IN ?`, p.EventID, p.AccountID, moved),
			"the task names the notification of its event and account")
		recipients = append(recipients, p.AccountID)
	}
	require.ElementsMatch(t, more, recipients)
}

func TestAdvanceAllRefusesBadBatchesWholly(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, nil)
	db := e.DB
	ctx := context.Background()
	owners := accounts(t, db, 2)
	same := models.NewID()
	for name, trs := range map[string][]Transition{
		"a transition the machine forbids": {
			{EntityID: models.NewID(), From: "pending", To: "offered"},
			{EntityID: models.NewID(), From: "declined", To: "offered"},
		},
		"one entity twice": {
			{EntityID: same, From: "pending", To: "offered"},
			{EntityID: same, From: "offered", To: "accepted"},
		},
	} {
		for _, email := range []bool{false, true} {
			e.Email = email
			err := e.Do(ctx, func(w *Work) error { return w.AdvanceAll(testMachine, owners, trs) })
			require.Error(t, err, "%s (e-mail %v)", name, email)
		}
	}
	err := e.Do(ctx, func(w *Work) error { return w.AdvanceAll(testMachine, owners[:1], []Transition{{}, {}}) })
	require.ErrorContains(t, err, "owners")
	require.Zero(t, count(t, db, `SELECT count(*) FROM workflow_events`), "nothing of a refused batch is written")
	require.Zero(t, count(t, db, `SELECT count(*) FROM notifications`))
	require.Zero(t, count(t, db, `SELECT count(*) FROM outbox`))
}

func TestEnqueueAllWritesLikeEnqueue(t *testing.T) {
	t.Parallel()
	r := newTestRedis(t)
	e := newTestEngine(t, r.client)
	db := e.DB
	ctx := context.Background()
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tasks := []Task{
		{Type: "test:expire", Payload: map[string]string{"round_id": "r1"}, ProcessAt: at},
		notifySendTask(7, "a"),
		{Type: "test:effect", Payload: 1},
	}
	var ids, single []string
	before := time.Now()
	require.NoError(t, e.Do(ctx, func(w *Work) error {
		var err error
		if ids, err = w.EnqueueAll(tasks); err != nil {
			return err
		}
		for _, task := range tasks {
			id, err := w.Enqueue(task)
			if err != nil {
				return err
			}
			single = append(single, id)
		}
		return nil
	}))
	require.Len(t, ids, 3)
	for i, id := range ids {
		row, like := outboxRow(t, db, id), outboxRow(t, db, single[i])
		opts := testTasks[tasks[i].Type]
		require.Equal(t, tasks[i].Type, row.TaskType)
		require.JSONEq(t, string(like.Payload), string(row.Payload))
		require.Equal(t, opts.Queue, row.Queue, "the type's options applied")
		require.Equal(t, opts.MaxRetry, row.MaxRetry)
		require.Equal(t, int(opts.Timeout.Seconds()), row.TimeoutSeconds)
		require.Equal(t, like.Queue, row.Queue)
		require.Equal(t, like.MaxRetry, row.MaxRetry)
		require.Equal(t, like.TimeoutSeconds, row.TimeoutSeconds)
		require.WithinDuration(t, like.ProcessAt, row.ProcessAt, time.Second)
		require.NotNil(t, row.DispatchedAt, "claimed for direct dispatch")
		require.Equal(t, 1, row.DispatchCount)
		require.Equal(t, like.DispatchCount, row.DispatchCount)

		// Dispatched after the commit, with the outbox id as task id.
		info, err := r.inspector.GetTaskInfo(row.Queue, id)
		require.NoError(t, err, "task %d is in Redis", i)
		require.Equal(t, row.TaskType, info.Type)
		require.Equal(t, row.MaxRetry, info.MaxRetry)
		require.JSONEq(t, string(row.Payload), string(info.Payload))
	}
	require.Equal(t, at, outboxRow(t, db, ids[0]).ProcessAt.UTC())
	info, err := r.inspector.GetTaskInfo(QueueLow, ids[0])
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStateScheduled, info.State, "a delayed task waits in Redis for its time")
	require.WithinDuration(t, before, outboxRow(t, db, ids[1]).ProcessAt, 5*time.Second, "no ProcessAt: now")

	written := count(t, db, `SELECT count(*) FROM outbox`)
	keys := len(r.keys(t))
	err = e.Do(ctx, func(w *Work) error {
		_, err := w.EnqueueAll([]Task{{Type: "test:effect", Payload: 1}, {Type: "x:y"}})
		return err
	})
	require.ErrorContains(t, err, "not a registered task type")
	require.Equal(t, written, count(t, db, `SELECT count(*) FROM outbox`), "nothing of a refused batch is written")
	require.Len(t, r.keys(t), keys, "nor dispatched")

	require.NoError(t, e.Do(ctx, func(w *Work) error {
		ids, err := w.EnqueueAll(nil)
		require.Empty(t, ids)
		return err
	}), "an empty batch is a no-op")
}
