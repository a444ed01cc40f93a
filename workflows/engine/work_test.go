package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestDoCommitsThenDispatches(t *testing.T) {
	t.Parallel()
	r := newTestRedis(t)
	e := newTestEngine(t, r.client)
	ctx := context.Background()
	var id string
	require.NoError(t, e.Do(ctx, func(w *Work) error {
		require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
		w.Defer(`INSERT INTO effects (n) VALUES ($1)`, 2)
		var err error
		if id, err = w.Enqueue(Task{Type: "test:effect", Payload: map[string]int{"n": 1}}); err != nil {
			return err
		}
		// Before the commit, nothing is visible outside the unit and
		// nothing has reached Redis.
		require.Zero(t, count(t, e.DB, `SELECT count(*) FROM effects`))
		require.Zero(t, count(t, e.DB, `SELECT count(*) FROM outbox`))
		require.Empty(t, r.keys(t))
		return nil
	}))
	require.Equal(t, 2, count(t, e.DB, `SELECT count(*) FROM effects`), "the immediate and the deferred write")
	row := outboxRow(t, e.DB, id)
	require.NotNil(t, row.DispatchedAt, "written claimed: the relay's sweep leaves it alone")
	require.Equal(t, 1, row.DispatchCount)
	info, err := r.inspector.GetTaskInfo(QueueDefault, id)
	require.NoError(t, err, "in Redis once Do returns, under the outbox id")
	require.Equal(t, id, info.ID)
	require.Equal(t, "test:effect", info.Type)
	require.JSONEq(t, `{"n": 1}`, string(info.Payload))
	require.Equal(t, testTasks["test:effect"].MaxRetry, info.MaxRetry)
	require.Equal(t, testTasks["test:effect"].Timeout, info.Timeout)
	require.Equal(t, asynq.TaskStatePending, info.State)

	n, err := (&Relay{DB: e.DB, Client: r.client, Log: testenv.Logger(t)}).DispatchDue(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left for the relay")
}

func TestDoThatFailsLeavesNothing(t *testing.T) {
	t.Parallel()
	r := newTestRedis(t)
	e := newTestEngine(t, r.client)
	errBoom := errors.New("boom")
	enqueue := func(t *testing.T, w *Work) {
		t.Helper()
		_, err := w.Enqueue(Task{Type: "test:effect", Payload: 1})
		require.NoError(t, err)
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, cancel context.CancelFunc, w *Work) error
		want func(t *testing.T, err error)
	}{
		{"fn fails", func(t *testing.T, _ context.CancelFunc, w *Work) error {
			enqueue(t, w)
			require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
			return errBoom
		}, func(t *testing.T, err error) { require.ErrorIs(t, err, errBoom, "the error comes back as it was") }},
		{"the commit fails: a deferred write breaks a constraint", func(t *testing.T, _ context.CancelFunc, w *Work) error {
			enqueue(t, w)
			require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
			w.Defer(`INSERT INTO effects (n) VALUES ($1)`, -1)
			return nil
		}, func(t *testing.T, err error) { require.ErrorContains(t, err, "effects_n_check") }},
		{"the commit fails: only deferred writes, one breaks a constraint", func(t *testing.T, _ context.CancelFunc, w *Work) error {
			enqueue(t, w)
			w.Defer(`INSERT INTO effects (n) VALUES ($1)`, 1)
			w.Defer(`INSERT INTO effects (n) VALUES ($1)`, -1)
			return nil
		}, func(t *testing.T, err error) { require.ErrorContains(t, err, "effects_n_check") }},
		{"fn ignores a failed statement", func(t *testing.T, _ context.CancelFunc, w *Work) error {
			require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
			require.Error(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (-1)`).Error)
			enqueue(t, w)
			return nil
		}, func(t *testing.T, err error) { require.Error(t, err, "an aborted transaction never commits") }},
		{"cancelled before the commit", func(t *testing.T, cancel context.CancelFunc, w *Work) error {
			enqueue(t, w)
			require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
			cancel()
			return nil
		}, func(t *testing.T, err error) { require.ErrorIs(t, err, context.Canceled) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := e.Do(ctx, func(w *Work) error { return tc.fn(t, cancel, w) })
			tc.want(t, err)
			require.Zero(t, count(t, e.DB, `SELECT count(*) FROM effects`), "nothing written")
			require.Zero(t, count(t, e.DB, `SELECT count(*) FROM outbox`))
			require.Empty(t, r.keys(t), "nothing reached Redis")
		})
	}
	t.Run("fn panics", func(t *testing.T) {
		func() {
			defer func() { require.Equal(t, "unit bug", recover()) }()
			_ = e.Do(context.Background(), func(w *Work) error {
				enqueue(t, w)
				require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
				panic("unit bug")
			})
		}()
		sqlDB, err := e.DB.DB()
		require.NoError(t, err)
		require.Zero(t, sqlDB.Stats().InUse, "the unit's connection went back to the pool")
		require.Zero(t, count(t, e.DB, `SELECT count(*) FROM effects`))
		require.Zero(t, count(t, e.DB, `SELECT count(*) FROM outbox`))
		require.Empty(t, r.keys(t))
	})
}

func TestDoWithNoStatementsSendsNothing(t *testing.T) {
	t.Parallel()
	schema := testenv.Postgres(t)
	ctx := context.Background()
	// One connection, so that the unit runs on the one whose last statement
	// we know.
	db, err := models.Open(ctx, schema.DSN, models.PoolConfig{MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = models.Close(db) })
	var pid int
	require.NoError(t, db.Raw(`SELECT pg_backend_pid()`).Row().Scan(&pid))
	r := newTestRedis(t)
	e := &Engine{DB: db, Client: r.client, Tasks: testTasks, Log: testenv.Logger(t)}

	ran := false
	require.NoError(t, e.Do(ctx, func(*Work) error {
		ran = true
		return nil
	}))
	require.True(t, ran)
	var last struct {
		State, Query string
		XactStart    *time.Time
	}
	require.NoError(t, schema.DB.Raw(`SELECT state, query, xact_start FROM pg_stat_activity WHERE pid = ?`, pid).Scan(&last).Error)
	require.Equal(t, "idle", last.State)
	require.Nil(t, last.XactStart)
	require.NotRegexp(t, `(?i)\b(begin|commit|rollback)\b`, last.Query, "no transaction was sent")
	require.Empty(t, r.keys(t), "nothing was dispatched")
	var again int
	require.NoError(t, db.Raw(`SELECT pg_backend_pid()`).Row().Scan(&again))
	require.Equal(t, pid, again, "the unit ran on the one connection, and gave it back")
}

func TestEnqueueOfAnUnregisteredTypeIsAnErrorAndWritesNothing(t *testing.T) {
	t.Parallel()
	r := newTestRedis(t)
	e := newTestEngine(t, r.client)
	ctx := context.Background()

	err := e.Do(ctx, func(w *Work) error {
		require.NoError(t, w.DB().Exec(`INSERT INTO effects (n) VALUES (1)`).Error)
		_, err := w.Enqueue(Task{Type: "test:nope", Payload: 1})
		return err
	})
	require.ErrorContains(t, err, "test:nope: not a registered task type")
	require.Zero(t, count(t, e.DB, `SELECT count(*) FROM effects`), "the unit rolled back")

	// Even when the caller carries on, the refused task writes no row.
	require.NoError(t, e.Do(ctx, func(w *Work) error {
		id, err := w.Enqueue(Task{Type: "test:nope", Payload: 1})
		require.Error(t, err)
		require.Empty(t, id)
		_, err = w.Enqueue(Task{Type: "test:effect", Payload: make(chan int)}) // cannot marshal
		require.ErrorContains(t, err, "marshal payload")
		w.Defer(`INSERT INTO effects (n) VALUES ($1)`, 1)
		return nil
	}))
	require.Equal(t, 1, count(t, e.DB, `SELECT count(*) FROM effects`))
	require.Zero(t, count(t, e.DB, `SELECT count(*) FROM outbox`))
	require.Empty(t, r.keys(t))
}

func TestDirectDispatchPausesAfterAFailedDispatch(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, closedRedis(t))
	ctx := context.Background()
	enqueue := func(wantDirect bool) string {
		t.Helper()
		var id string
		require.NoError(t, e.Do(ctx, func(w *Work) error {
			require.Equal(t, wantDirect, w.direct, "direct dispatch")
			var err error
			id, err = w.Enqueue(Task{Type: "test:effect", Payload: 1})
			return err
		}), "a failed dispatch does not fail the unit: it committed")
		return id
	}
	released := func(id string) {
		t.Helper()
		row := outboxRow(t, e.DB, id)
		require.Nil(t, row.DispatchedAt, "released to the relay's sweep")
		require.Zero(t, row.DispatchCount)
	}

	first := enqueue(true)
	released(first)
	require.NotZero(t, e.dispatchFailedAt.Load())

	// Redis is still down: for a while units do not try, so that an outage
	// does not slow every unit down; their rows wait for the relay.
	began := time.Now()
	second := enqueue(false)
	require.Less(t, time.Since(began), time.Second, "no dispatch attempted")
	released(second)

	// The relay, on a Redis that works, hands both on.
	r := newTestRedis(t)
	relay := &Relay{DB: e.DB, Client: r.client, Log: testenv.Logger(t)}
	n, err := relay.DispatchDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, id := range []string{first, second} {
		_, err := r.inspector.GetTaskInfo(QueueDefault, id)
		require.NoError(t, err, "task %s dispatched by the relay", id)
		require.Equal(t, 1, outboxRow(t, e.DB, id).DispatchCount)
	}

	// Once the pause is over, units dispatch directly again.
	e.Client = r.client
	e.dispatchFailedAt.Store(time.Now().Add(-dispatchPause).UnixNano())
	third := enqueue(true)
	row := outboxRow(t, e.DB, third)
	require.NotNil(t, row.DispatchedAt)
	require.Equal(t, 1, row.DispatchCount)
	_, err = r.inspector.GetTaskInfo(QueueDefault, third)
	require.NoError(t, err)
}
