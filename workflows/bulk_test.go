package workflows

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// bulkAccounts creates n applicant accounts.
func bulkAccounts(t *testing.T, db *gorm.DB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = models.NewID()
		require.NoError(t, db.Create(&models.Account{ID: ids[i], Email: ids[i] + "@example.com", PasswordHash: "x",
			Name: "A", Role: models.RoleApplicant}).Error)
	}
	return ids
}

func TestAdvanceAllRecordsAndNotifiesEachOnce(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	owners := bulkAccounts(t, db, 3)
	entities := []string{models.NewID(), models.NewID(), models.NewID()}
	taskID := models.NewID()
	trs := make([]Transition, 3)
	for i := range trs {
		trs[i] = Transition{EntityID: entities[i], From: InternshipPending, To: InternshipUnmatched,
			Actor: ActorTask(TypeInternshipMatch), Reason: UnmatchedReason, TaskID: taskID, Attempt: 2}
	}
	trs[1].To, trs[1].Reason = InternshipOffered, "offered place one"

	var ids []string
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		var err error
		ids, err = AdvanceAll(ctx, tx, InternshipMachine, owners, trs)
		return err
	}))
	require.Empty(t, ids, "no e-mail tasks with e-mail off")
	var got []struct {
		EntityID, ToState, Reason, AccountID, Title, Body string
		TaskID                                            string
		Attempt                                           int
	}
	require.NoError(t, db.Raw(`SELECT e.entity_id, e.to_state, e.reason, e.task_id, e.attempt, n.account_id, n.title, n.body
		FROM workflow_events e JOIN notifications n ON n.event_id = e.id`).Scan(&got).Error)
	require.Len(t, got, 3)
	for _, g := range got {
		i := slices.Index(entities, g.EntityID)
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, owners[i], g.AccountID, "each entity's owner is notified")
		require.Equal(t, trs[i].To, g.ToState)
		require.Equal(t, trs[i].Reason, g.Reason)
		require.Equal(t, taskID, g.TaskID)
		require.Equal(t, 2, g.Attempt)
		title, body := NotificationText(InternshipMachine.Entity, trs[i].To, trs[i].Reason)
		require.Equal(t, title, g.Title)
		require.Equal(t, body, g.Body)
	}

	// With e-mail on, each notification also gets its notify:send task.
	more := bulkAccounts(t, db, 2)
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		var err error
		ids, err = AdvanceAll(WithEmail(ctx), tx, InternshipMachine, more, []Transition{
			{EntityID: models.NewID(), From: InternshipOffered, To: InternshipDeclined, Actor: "t"},
			{EntityID: models.NewID(), From: InternshipOffered, To: InternshipAccepted, Actor: "t"},
		})
		return err
	}))
	require.Len(t, ids, 2)
	var payloads []NotifySendPayload
	for _, id := range ids {
		var row models.OutboxRow
		require.NoError(t, db.Take(&row, "id = ?", id).Error)
		var p NotifySendPayload
		require.NoError(t, DecodePayload(row.Payload, &p))
		payloads = append(payloads, p)
	}
	require.ElementsMatch(t, more, []string{payloads[0].AccountID, payloads[1].AccountID})
}

func TestAdvanceAllRefusesBadBatchesWholly(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	owners := bulkAccounts(t, db, 2)
	e := models.NewID()
	for name, trs := range map[string][]Transition{
		"a transition the machine forbids": {
			{EntityID: models.NewID(), From: InternshipPending, To: InternshipOffered},
			{EntityID: models.NewID(), From: InternshipDeclined, To: InternshipOffered},
		},
		"one entity twice": {
			{EntityID: e, From: InternshipPending, To: InternshipOffered},
			{EntityID: e, From: InternshipOffered, To: InternshipAccepted},
		},
	} {
		err := db.Transaction(func(tx *gorm.DB) error {
			_, err := AdvanceAll(ctx, tx, InternshipMachine, owners, trs)
			return err
		})
		require.Error(t, err, name)
	}
	_, err := AdvanceAll(ctx, db, InternshipMachine, owners[:1], []Transition{{}, {}})
	require.ErrorContains(t, err, "owners")
	var n int64
	require.NoError(t, db.Model(&models.WorkflowEvent{}).Count(&n).Error)
	require.Zero(t, n, "nothing of a refused batch is written")
}

func TestEnqueueAllWritesLikeEnqueue(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tasks := []Task{NewInternshipExpireOffersTask("r1", at), NewNotifySendTask(7, "a"), {Type: "x:y", Payload: 1}}
	ctx, pending := WithPending(context.Background())
	var ids []string
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		var err error
		ids, err = EnqueueAll(ctx, tx, tasks)
		return err
	}))
	require.Len(t, ids, 3)
	require.Len(t, pending.rows, 3, "collected for Flush, as Enqueue does")
	for i, id := range ids {
		var row models.OutboxRow
		require.NoError(t, db.Take(&row, "id = ?", id).Error)
		want, err := outboxRow(tasks[i])
		require.NoError(t, err)
		require.Equal(t, want.TaskType, row.TaskType)
		require.JSONEq(t, string(want.Payload), string(row.Payload))
		require.Equal(t, want.Queue, row.Queue, "defaults applied")
		require.Equal(t, want.MaxRetry, row.MaxRetry)
		require.Equal(t, want.TimeoutSeconds, row.TimeoutSeconds)
		require.NotNil(t, row.DispatchedAt, "claimed for direct dispatch")
		require.Equal(t, 1, row.DispatchCount)
		require.Equal(t, pending.rows[i].ID, id)
	}
	var first models.OutboxRow
	require.NoError(t, db.Take(&first, "id = ?", ids[0]).Error)
	require.Equal(t, at, first.ProcessAt.UTC())

	_, err := EnqueueAll(context.Background(), db, []Task{{Type: "x:y", Queue: "nope"}})
	require.ErrorContains(t, err, "unknown queue")
}
