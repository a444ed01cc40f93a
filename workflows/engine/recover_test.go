package engine

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// seedDispatched writes n outbox rows of test:effect dispatched a minute
// ago, and returns them.
func seedDispatched(t *testing.T, e *Engine, n int) []models.OutboxRow {
	t.Helper()
	require.NoError(t, e.DB.Exec(`INSERT INTO outbox (id, task_type, payload, queue, max_retry, timeout_seconds,
		dispatched_at, dispatch_count, process_at)
		SELECT gen_random_uuid(), 'test:effect', jsonb_build_object('n', i), 'default', 3, 30, now() - interval '1 minute', 1,
			now() - interval '1 minute'
		FROM generate_series(1, ?) i`, n).Error)
	var rows []models.OutboxRow
	require.NoError(t, e.DB.Order("id").Find(&rows).Error)
	return rows
}

// privateBroker starts a Redis of the test's own, with an Asynq client and
// inspector and a go-redis client on it.
func privateBroker(t *testing.T) (*testenv.PrivateRedis, *asynq.Client, *asynq.Inspector, *redis.Client) {
	t.Helper()
	priv := testenv.StartPrivateRedis(t)
	opt := asynq.RedisClientOpt{Addr: priv.Addr}
	client, inspector := asynq.NewClient(opt), asynq.NewInspector(opt)
	rc := redis.NewClient(&redis.Options{Addr: priv.Addr})
	t.Cleanup(func() { _, _, _ = client.Close(), inspector.Close(), rc.Close() })
	return priv, client, inspector, rc
}

func TestReconcilerRecoversEverythingARestartedRedisLostInOneSweep(t *testing.T) {
	t.Parallel()
	priv, client, inspector, rc := privateBroker(t)
	e := newTestEngine(t, client)
	ctx := context.Background()
	const n = 2500
	rows := seedDispatched(t, e, n)
	for _, row := range rows {
		require.NoError(t, EnqueueRow(ctx, client, row))
	}
	// One task is archived (it gave up) before the loss, and stays so.
	require.NoError(t, inspector.ArchiveTask(QueueDefault, rows[0].ID))

	rec := &Reconciler{DB: e.DB, Client: client, Inspector: inspector, Redis: rc, Log: testenv.Logger(t),
		Grace: time.Second, BatchSize: 1000}
	rep, err := rec.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, SweepReport{Checked: n, Archived: 1}, rep, "nothing is lost yet")
	require.Equal(t, 1, count(t, e.DB, `SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL`))

	priv.Stop()
	priv.Start() // empty: no persistence
	rep, err = rec.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, SweepReport{Checked: n - 1, Redispatched: n - 1}, rep, "every lost task, across pages, in one sweep")
	info, err := inspector.GetQueueInfo(QueueDefault)
	require.NoError(t, err)
	require.Equal(t, n-1, info.Pending, "back in Redis, once each")
	require.Equal(t, n-1, count(t, e.DB, `SELECT count(*) FROM outbox WHERE dispatch_count = 2`))

	// Redispatched rows are recent again: the next sweep leaves them alone,
	// and once old, finds them in Redis.
	rep, err = rec.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, SweepReport{}, rep)
	require.NoError(t, e.DB.Exec(`UPDATE outbox SET dispatched_at = now() - interval '1 minute'`).Error)
	rep, err = rec.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, SweepReport{Checked: n - 1}, rep)
}

func TestReconcilerWithRedisDownFailsAndChangesNothing(t *testing.T) {
	t.Parallel()
	priv := testenv.StartPrivateRedis(t)
	opt := asynq.RedisClientOpt{Addr: priv.Addr}
	client, inspector := asynq.NewClient(opt), asynq.NewInspector(opt)
	rc := redis.NewClient(&redis.Options{Addr: priv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _, _, _ = client.Close(), inspector.Close(), rc.Close() })
	e := newTestEngine(t, client)
	seedDispatched(t, e, 10)
	priv.Stop()
	rec := &Reconciler{DB: e.DB, Client: client, Inspector: inspector, Redis: rc, Log: testenv.Logger(t), Grace: time.Second}
	_, err := rec.Sweep(context.Background())
	require.Error(t, err)
	require.Equal(t, 10, count(t, e.DB, `SELECT count(*) FROM outbox WHERE dispatch_count = 1`))
}

// TestReconcilerLeavesTasksThatFinishedDuringTheSweep: a task that finished
// after the sweep read its row (the handler deleted the row, then Asynq its
// task) is missing from Redis but is not lost; it is not dispatched again.
func TestReconcilerLeavesTasksThatFinishedDuringTheSweep(t *testing.T) {
	t.Parallel()
	_, client, inspector, rc := privateBroker(t)
	e := newTestEngine(t, client)
	ctx := context.Background()
	rows := seedDispatched(t, e, 3) // none in Redis
	// The first finished meanwhile: its row is gone.
	require.NoError(t, e.DB.Exec(`DELETE FROM outbox WHERE id = ?`, rows[0].ID).Error)
	rec := &Reconciler{DB: e.DB, Client: client, Inspector: inspector, Redis: rc, Log: testenv.Logger(t)}
	var rep SweepReport
	require.NoError(t, rec.recoverPage(ctx, rows, &rep))
	require.Equal(t, 2, rep.Redispatched, "only the two still in the outbox were lost")
	info, err := inspector.GetQueueInfo(QueueDefault)
	require.NoError(t, err)
	require.Equal(t, 2, info.Pending)
	_, err = inspector.GetTaskInfo(QueueDefault, rows[0].ID)
	require.ErrorIs(t, err, asynq.ErrTaskNotFound, "the finished task was not dispatched again")
}
