package workers_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// fairness is a fair admitter on the test's schema and Redis DB.
func (e *backend) fairness(capacity int) *engine.Fairness {
	return &engine.Fairness{DB: e.schema.DB, Client: e.client, Log: testenv.Logger(e.t), Capacity: capacity,
		PollInterval: 20 * time.Millisecond}
}

// outboxRowOf reads the outbox row id.
func outboxRowOf(t *testing.T, e *backend, id string) models.OutboxRow {
	t.Helper()
	var row models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&row, "id = ?", id).Error)
	return row
}

func TestFairAdmissionGivesANewCollegeTheFreedSlots(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	a := e.submit(60)
	f := e.fairness(10)
	n, err := f.Admit(ctx)
	require.NoError(t, err)
	require.Equal(t, 10, n, "a lone college gets the whole capacity")
	require.Equal(t, 50, e.count(`SELECT count(*) FROM outbox WHERE dispatched_at IS NULL`))

	b := e.submit(5)
	n, err = f.Admit(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "no slot is free")
	// Four of college A's tasks complete: the slots go to college B.
	for _, s := range a[:4] {
		require.NoError(t, e.deliver(ctx, e.h, e.runOf(s.taskID, 0)))
	}
	n, err = f.Admit(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, 4, e.count(`SELECT count(*) FROM outbox WHERE fair_key = ? AND dispatched_at IS NOT NULL`, b[0].profile.CollegeID))
	loads, err := f.Loads(ctx)
	require.NoError(t, err)
	require.Equal(t, []engine.KeyLoad{
		{Key: a[0].profile.CollegeID, Weight: 1, Waiting: 50, InFlight: 6},
		{Key: b[0].profile.CollegeID, Weight: 1, Waiting: 1, InFlight: 4},
		// The four decided profiles' e-mail code tasks: follow-up work on the
		// default key, left to the relay (this backend's engine does not
		// dispatch after commit).
		{Key: "", Weight: 1, Waiting: 4, InFlight: 0},
	}, loads)
	admin := app.ActorOf(fixtures.Account(t, e.schema.DB, models.RoleAdmin))
	stats, err := app.New(app.Deps{DB: e.schema.DB, Fairness: f, Log: testenv.Logger(t)}).Stats(ctx, admin)
	require.NoError(t, err)
	require.Equal(t, loads, stats.Fairness, "admin stats show the waiting work per college")
	info, err := e.inspector.GetQueueInfo(engine.QueueCritical)
	require.NoError(t, err)
	require.Equal(t, 14, info.Pending, "Redis holds every admitted task (the four run by hand too)")
}

func TestFairAdmissionOfARowAlreadyInRedisRunsOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	subs := e.submit(3)
	// A round's enqueue reached Redis but answered an error (a timeout), so
	// the round released the row: it waits in the outbox again.
	require.NoError(t, engine.EnqueueRow(ctx, e.client, outboxRowOf(t, e, subs[0].taskID)))
	n, err := e.fairness(10).Admit(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n, "the enqueued task counts as admitted (same task id)")
	info, err := e.inspector.GetQueueInfo(engine.QueueCritical)
	require.NoError(t, err)
	require.Equal(t, 3, info.Pending, "one Asynq task per row")
	require.Equal(t, 3, e.count(`SELECT count(*) FROM outbox WHERE dispatch_count = 1`))
	// Two deliveries of each: one effect each.
	for _, s := range subs {
		for range 2 {
			require.NoError(t, e.deliver(ctx, e.h, e.runOf(s.taskID, 0)))
		}
		e.requireOneEffect(s.profile.ID)
	}
}

func TestFairAdmissionReleasesTheRowsRedisRefused(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	e.submit(3)
	dead := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { _ = dead.Close() })
	f := e.fairness(10)
	f.Client = dead
	n, err := f.Admit(ctx)
	require.Error(t, err, "Redis is unreachable")
	require.Zero(t, n)
	require.Equal(t, 3, e.count(`SELECT count(*) FROM outbox WHERE dispatched_at IS NULL AND dispatch_count = 0`),
		"the rows wait again, their dispatch undone")
	// Redis is back: the next round admits them.
	f.Client = e.client
	n, err = f.Admit(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	info, err := e.inspector.GetQueueInfo(engine.QueueCritical)
	require.NoError(t, err)
	require.Equal(t, 3, info.Pending)
}

func TestFairDispatchWithSeveralAdmittersAndARedisLossCompletesEveryTaskOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	const capacity = 25 // above the server's 10 workers: some admitted tasks wait in Redis
	big, small := e.submit(240), e.submit(20)
	admitters := []*engine.Fairness{e.fairness(capacity), e.fairness(capacity), e.fairness(capacity)}
	log := testenv.Logger(t)
	eng := e.dispatching(log)
	eng.Fair, eng.Wake = true, admitters[0].Nudge
	e.startServer(workers.NewMux(workers.Deps{Engine: eng, Log: log}))
	var over atomic.Int64
	e.background(func(ctx context.Context) error {
		for ctx.Err() == nil {
			var n int
			err := e.schema.DB.Raw(`SELECT count(*) FROM outbox WHERE fair_key <> '' AND dispatched_at IS NOT NULL
				AND failed_at IS NULL`).Row().Scan(&n)
			if err == nil && n > capacity {
				over.Store(int64(n))
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
	for _, f := range admitters {
		e.background(f.Run)
	}
	for range 2 {
		relay := e.relay()
		relay.Fair = true
		e.background(relay.Run)
	}
	e.background(e.reconciler(time.Second).Run)
	testenv.WaitFor(t, 60*time.Second, "some progress", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`) >= 60
	})
	require.NoError(t, e.redis.Client.FlushDB(context.Background()).Err())
	testenv.WaitFor(t, 120*time.Second, "every profile final", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0
	})
	final := e.finalEvents()
	for _, s := range append(big, small...) {
		require.Equal(t, 1, final[s.profile.ID], "profile %s", s.profile.ID)
	}
	require.Zero(t, over.Load(), "never more than the capacity in flight")
	require.Zero(t, e.count(`SELECT count(*) FROM outbox WHERE fair_key <> ''`), "every task completed")
	require.Greater(t, e.count(`SELECT count(*) FROM tasks_ever WHERE dispatch_count > 1`), 0,
		"the flush should have forced the reconciler to dispatch some rows again")
}

func TestFairAdmitterVacuumsTheOutboxAsItAdmits(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	e.submit(30)
	vacuums := func() int {
		return e.count(`SELECT pg_stat_get_vacuum_count('outbox'::regclass)`)
	}
	require.Zero(t, vacuums())
	f := e.fairness(100)
	f.VacuumEvery = 25
	e.background(f.Run)
	testenv.WaitFor(t, 10*time.Second, "the outbox vacuumed after 30 admissions", func() bool { return vacuums() == 1 })
	require.Zero(t, e.count(`SELECT count(*) FROM outbox WHERE dispatched_at IS NULL`))
}
