package workers_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// engine is one test's campusbiz back end: its own schema and Redis DB.
type engine struct {
	t         testing.TB
	schema    testenv.Schema
	redis     testenv.RedisDB
	client    *asynq.Client
	inspector *asynq.Inspector
	runner    *workers.Runner
	onboard   *workers.Onboarding
	notify    *workers.Notify
	// tasks is where every task ever enqueued can be found: the view
	// tasks_ever in tests, which keep completed tasks to deliver them again;
	// the outbox in benchmarks, which measure it as deployed.
	tasks string
}

func newEngine(t testing.TB) *engine {
	t.Helper()
	e := &engine{t: t, schema: testenv.Postgres(t), redis: testenv.Redis(t), tasks: "outbox"}
	if _, ok := t.(*testing.T); ok {
		e.schema.KeepCompletedTasks(t)
		e.tasks = "tasks_ever"
	}
	e.client = asynq.NewClient(e.redis.Opt)
	e.inspector = asynq.NewInspector(e.redis.Opt)
	t.Cleanup(func() {
		_ = e.client.Close()
		_ = e.inspector.Close()
	})
	e.runner = &workers.Runner{DB: e.schema.DB, Log: testenv.Logger(t)}
	e.onboard = &workers.Onboarding{Now: time.Now}
	e.notify = &workers.Notify{}
	return e
}

func (e *engine) relay() *workflows.Relay {
	return &workflows.Relay{DB: e.schema.DB, Client: e.client, Log: testenv.Logger(e.t),
		PollInterval: 200 * time.Millisecond}
}

func (e *engine) reconciler(grace time.Duration) *workflows.Reconciler {
	return &workflows.Reconciler{DB: e.schema.DB, Client: e.client, Inspector: e.inspector, Log: testenv.Logger(e.t),
		Grace: grace, Interval: 200 * time.Millisecond}
}

// startServer runs an Asynq server on the test's Redis DB until the test ends.
func (e *engine) startServer(mux asynq.Handler) {
	e.t.Helper()
	srv := workers.NewServer(context.Background(), e.redis.Opt, workers.ServerConfig{Concurrency: 10, ShutdownTimeout: 5 * time.Second}, testenv.Logger(e.t))
	require.NoError(e.t, srv.Start(mux))
	e.t.Cleanup(srv.Shutdown)
}

func (e *engine) mux() *asynq.ServeMux {
	return workers.NewMux(workers.Deps{DB: e.schema.DB, Log: testenv.Logger(e.t), Relay: e.relay()})
}

// background runs fn until the test ends.
func (e *engine) background(fn func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		require.NoError(e.t, <-done)
	})
}

// runOf builds the Run a delivery of outbox row id would carry.
func (e *engine) runOf(id string, attempt int) workers.Run {
	e.t.Helper()
	var row models.OutboxRow
	require.NoError(e.t, e.schema.DB.Table(e.tasks).Take(&row, "id = ?", id).Error)
	return workers.Run{TaskID: row.ID, Type: row.TaskType, Attempt: attempt, MaxRetry: row.MaxRetry, Payload: row.Payload}
}

// submit creates n applicants with valid onboarding submissions.
func (e *engine) submit(n int) []workflows.Submitted[models.StudentProfile] {
	e.t.Helper()
	college, domain := fixtures.College(e.t, e.schema.DB)
	accts := fixtures.Accounts(e.t, e.schema.DB, n)
	subs := make([]workflows.Submitted[models.StudentProfile], n)
	for i, a := range accts {
		subs[i] = fixtures.SubmitOnboarding(e.t, e.schema.DB, a, fixtures.OnboardingForm(college, domain))
	}
	return subs
}

// finalEvents counts each profile's events into a final onboarding state.
func (e *engine) finalEvents() map[string]int {
	e.t.Helper()
	var rows []struct {
		EntityID string
		N        int
	}
	require.NoError(e.t, e.schema.DB.Raw(`SELECT entity_id, count(*) AS n FROM workflow_events
		WHERE entity_type = 'onboarding' AND to_state IN ('verified', 'rejected', 'needs_info') GROUP BY entity_id`).Scan(&rows).Error)
	out := map[string]int{}
	for _, r := range rows {
		out[r.EntityID] = r.N
	}
	return out
}

func (e *engine) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.schema.DB.Raw(query, args...).Row().Scan(&n))
	return n
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireOneEffect checks a profile was verified exactly once, with one
// event and one notification.
func (e *engine) requireOneEffect(profileID string) {
	e.t.Helper()
	var prof models.StudentProfile
	require.NoError(e.t, e.schema.DB.Take(&prof, "id = ?", profileID).Error)
	require.Equal(e.t, workflows.OnboardingVerified, prof.Status)
	require.Equal(e.t, 1, e.finalEvents()[profileID], "one final event")
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, prof.AccountID), "one notification")
}

func TestDuplicateDeliveryChangesOnce(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	subs := e.submit(2)
	ctx := context.Background()

	t.Run("sequential", func(t *testing.T) {
		run := e.runOf(subs[0].OutboxIDs[0], 0)
		require.NoError(t, e.runner.Execute(ctx, run, e.onboard.Verify, nil))
		require.NoError(t, e.runner.Execute(ctx, run, e.onboard.Verify, nil))
		e.requireOneEffect(subs[0].Entity.ID)
	})
	t.Run("concurrent", func(t *testing.T) {
		run := e.runOf(subs[1].OutboxIDs[0], 0)
		var g errgroup.Group
		for range 8 {
			g.Go(func() error { return e.runner.Execute(ctx, run, e.onboard.Verify, nil) })
		}
		require.NoError(t, g.Wait())
		e.requireOneEffect(subs[1].Entity.ID)
	})
}

func TestFailureAtEveryPointEndsWithOneEffect(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	errCrash := errors.New("simulated crash")
	cases := []struct {
		name string
		// first runs the first, failing delivery.
		first func(run workers.Run) error
	}{
		{"cancelled before the transaction", func(run workers.Run) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return e.runner.Execute(ctx, run, e.onboard.Verify, nil)
		}},
		{"failing inside the transaction after its writes", func(run workers.Run) error {
			return e.runner.Execute(context.Background(), run, func(ctx context.Context, tx *gorm.DB, r workers.Run) error {
				if err := e.onboard.Verify(ctx, tx, r); err != nil {
					return err
				}
				return errCrash
			}, nil)
		}},
		{"cancelled inside the transaction before commit", func(run workers.Run) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return e.runner.Execute(ctx, run, func(ctx context.Context, tx *gorm.DB, r workers.Run) error {
				err := e.onboard.Verify(ctx, tx, r)
				cancel()
				return err
			}, nil)
		}},
		{"after commit, before Asynq records success", func(run workers.Run) error {
			if err := e.runner.Execute(context.Background(), run, e.onboard.Verify, nil); err != nil {
				return err
			}
			return errCrash // the success never reaches Redis, so Asynq delivers again
		}},
	}
	subs := e.submit(len(cases))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := e.runOf(subs[i].OutboxIDs[0], 0)
			require.Error(t, tc.first(run))
			retry := run
			retry.Attempt = 1
			require.NoError(t, e.runner.Execute(context.Background(), retry, e.onboard.Verify, nil))
			e.requireOneEffect(subs[i].Entity.ID)
		})
	}
}

func TestPermanentErrorIsRecordedAndNotRetried(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	var id string
	require.NoError(t, e.schema.DB.Transaction(func(tx *gorm.DB) error {
		var err error
		id, err = workflows.Enqueue(context.Background(), tx, workflows.Task{
			Type: workflows.TypeOnboardingVerify, Queue: workflows.QueueCritical, MaxRetry: 3,
			Payload: map[string]any{"profile_id": 42}, // not a string: cannot decode
		})
		return err
	}))
	err := e.runner.Execute(context.Background(), e.runOf(id, 0), e.onboard.Verify, nil)
	require.ErrorIs(t, err, asynq.SkipRetry)
	var row models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&row, "id = ?", id).Error)
	require.NotNil(t, row.FailedAt, "the row stays, failed, for ops to see and re-run")
	require.Contains(t, *row.LastError, "decode payload")
}

func TestRolledBackTransactionLeavesNoTask(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	ctx := context.Background()
	errAbort := errors.New("abort")
	err := e.schema.DB.Transaction(func(tx *gorm.DB) error {
		if _, err := workflows.Enqueue(ctx, tx, workflows.NewOnboardingVerifyTask(models.NewID(), 1)); err != nil {
			return err
		}
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	n, err := e.relay().DispatchDue(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	keys, err := e.redis.Client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Empty(t, keys, "nothing may reach Redis")
}

func TestTwoRelaysAndTwoReconcilersCompleteEveryWorkflowOnce(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	e.startServer(e.mux())
	for range 2 {
		e.background(e.relay().Run)
		e.background(e.reconciler(time.Minute).Run)
	}
	const n = 300
	subs := e.submit(n)
	waitFor(t, 90*time.Second, "every outbox row to complete", func() bool {
		return e.count(`SELECT count(*) FROM outbox`) == 0
	})
	for _, s := range subs {
		require.Equal(t, 1, e.finalEvents()[s.Entity.ID])
	}
	queue, err := e.inspector.GetQueueInfo(workflows.QueueCritical)
	require.NoError(t, err)
	require.Equal(t, n, queue.Processed, "no row dispatched twice: Asynq ran each task once")
	require.Equal(t, n, e.count(`SELECT count(*) FROM notifications`))
}

func TestRedisLosingEveryKeyLosesNoWork(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	const n = 500
	subs := e.submit(n)
	// Dispatch everything, then process slowly enough that the flush lands
	// while most of the work sits in Redis.
	_, err := e.relay().DispatchDue(context.Background())
	require.NoError(t, err)
	var mu sync.Mutex
	processed := 0
	mux := e.mux()
	slow := asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		mu.Lock()
		processed++
		mu.Unlock()
		return mux.ProcessTask(ctx, task)
	})
	e.startServer(slow)
	e.background(e.relay().Run)
	e.background(e.reconciler(time.Second).Run)
	waitFor(t, 60*time.Second, "some progress", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return processed >= 50
	})
	require.NoError(t, e.redis.Client.FlushDB(context.Background()).Err())
	waitFor(t, 120*time.Second, "all profiles to reach a final state", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`) == n
	})
	final := e.finalEvents()
	for _, s := range subs {
		require.Equal(t, 1, final[s.Entity.ID], "profile %s", s.Entity.ID)
	}
	waitFor(t, 60*time.Second, "every notification", func() bool {
		return e.count(`SELECT count(*) FROM notifications`) == n
	})
	require.Greater(t, e.count(`SELECT count(*) FROM tasks_ever WHERE dispatch_count > 1`), 0,
		"the flush should have forced the reconciler to dispatch some rows again")
}

func silentLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
