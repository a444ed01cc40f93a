package workers_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// backend is one test's campusbiz back end: its own schema and Redis DB,
// an engine, the runner and the task handlers, and the application.
type backend struct {
	t         testing.TB
	schema    testenv.Schema
	redis     testenv.RedisDB
	client    *asynq.Client
	inspector *asynq.Inspector
	// eng has no Asynq client: the tasks its units write stay in the outbox
	// for the test to deliver by hand (runner) or for the relay.
	eng    *engine.Engine
	runner *engine.Runner
	// h are the task steps with the default dependencies.
	h *workers.Handlers
	// app runs the use cases on eng.
	app *app.App
	// mail is the test's SMTP server, where h and mux mail (onboarding
	// codes; notifications when eng.Email is set).
	mail   *mailsink.Sink
	mailer *workers.Mailer
	// tasks is where every task ever enqueued can be found: the view
	// tasks_ever in tests, which keep completed tasks to deliver them again;
	// the outbox in benchmarks, which measure it as deployed.
	tasks string
}

func newBackend(t testing.TB) *backend {
	t.Helper()
	e := &backend{t: t, schema: testenv.Postgres(t), redis: testenv.Redis(t), tasks: "outbox"}
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
	e.eng = &engine.Engine{DB: e.schema.DB, Tasks: workers.Registry.Options(), Log: testenv.Logger(t)}
	e.runner = &engine.Runner{Engine: e.eng, Log: testenv.Logger(t)}
	e.mail = testenv.MailSink(t)
	mailer, err := workers.NewMailer(e.mail.URL())
	require.NoError(t, err)
	e.mailer = mailer
	e.h = e.handlers(workers.Deps{})
	e.app = e.appAt(nil)
	return e
}

// handlers are the task steps with d's dependencies, on the test's engine.
func (e *backend) handlers(d workers.Deps) *workers.Handlers {
	d.Engine = e.eng
	if d.Mailer == nil {
		d.Mailer = e.mailer
	}
	if d.Log == nil {
		d.Log = testenv.Logger(e.t)
	}
	return workers.NewHandlers(d)
}

// appAt is the application on the test's engine with the clock now (nil:
// the real one).
func (e *backend) appAt(now func() time.Time) *app.App {
	return app.New(app.Deps{DB: e.schema.DB, Engine: e.eng, Log: testenv.Logger(e.t), Config: app.Config{Now: now}})
}

// dispatching is an engine on the test's schema that hands its tasks to the
// test's Redis DB after each commit, as a deployed process's does.
func (e *backend) dispatching(log *slog.Logger) *engine.Engine {
	return &engine.Engine{DB: e.schema.DB, Client: e.client, Tasks: workers.Registry.Options(), Log: log}
}

func (e *backend) relay() *engine.Relay {
	return &engine.Relay{DB: e.schema.DB, Client: e.client, Log: testenv.Logger(e.t),
		PollInterval: 200 * time.Millisecond}
}

func (e *backend) reconciler(grace time.Duration) *engine.Reconciler {
	return &engine.Reconciler{DB: e.schema.DB, Client: e.client, Inspector: e.inspector, Redis: e.redis.Client,
		Log:   testenv.Logger(e.t),
		Grace: grace, Interval: 200 * time.Millisecond}
}

// startServer runs an Asynq server on the test's Redis DB until the test ends.
func (e *backend) startServer(mux asynq.Handler) {
	e.t.Helper()
	srv := workers.NewServer(context.Background(), e.redis.Opt, workers.ServerConfig{Concurrency: 10, ShutdownTimeout: 5 * time.Second}, testenv.Logger(e.t))
	require.NoError(e.t, srv.Start(mux))
	e.t.Cleanup(srv.Shutdown)
	shops := workers.NewShopServer(context.Background(), e.redis.Opt, workers.ServerConfig{ShutdownTimeout: 5 * time.Second}, testenv.Logger(e.t))
	require.NoError(e.t, shops.Start(mux))
	e.t.Cleanup(shops.Shutdown)
}

// mux is the worker's mux, every task type of the registry, on an engine
// that dispatches follow-up tasks after each commit.
func (e *backend) mux() *asynq.ServeMux {
	log := testenv.Logger(e.t)
	return workers.NewMux(workers.Deps{Engine: e.dispatching(log), Log: log, Mailer: e.mailer})
}

// background runs fn until the test ends.
func (e *backend) background(fn func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		require.NoError(e.t, <-done)
	})
}

// runOf builds the Run a delivery of outbox row id would carry.
func (e *backend) runOf(id string, attempt int) engine.Run {
	e.t.Helper()
	var row models.OutboxRow
	require.NoError(e.t, e.schema.DB.Table(e.tasks).Take(&row, "id = ?", id).Error)
	return engine.Run{TaskID: row.ID, Type: row.TaskType, Attempt: attempt, MaxRetry: row.MaxRetry, Payload: row.Payload}
}

// spec is the registry's entry for the task type typ.
func spec(t testing.TB, typ string) engine.Spec[*workers.Handlers] {
	t.Helper()
	for _, s := range workers.Registry {
		if s.Type == typ {
			return s
		}
	}
	t.Fatalf("%s is not in workers.Registry", typ)
	return engine.Spec[*workers.Handlers]{}
}

// failureOf is the registry's failure hook of typ bound to h (nil if none).
func failureOf(t testing.TB, h *workers.Handlers, typ string) engine.Failure {
	s := spec(t, typ)
	if s.OnFailure == nil {
		return nil
	}
	return func(ctx context.Context, w *engine.Work, run engine.Run, cause error) error {
		return s.OnFailure(h, ctx, w, run, cause)
	}
}

// deliver runs one delivery of run as the worker's mux does: its type's
// registry entry (Prepare, then the step it returns, or Step), bound to h,
// through the runner, with the entry's failure hook.
func (e *backend) deliver(ctx context.Context, h *workers.Handlers, run engine.Run) error {
	e.t.Helper()
	s := spec(e.t, run.Type)
	var step engine.Step
	if s.Prepare != nil {
		step = s.Prepare(h, ctx, e.eng, run)
	} else {
		step = func(ctx context.Context, w *engine.Work, run engine.Run) error { return s.Step(h, ctx, w, run) }
	}
	return e.runner.Execute(ctx, run, step, failureOf(e.t, h, run.Type))
}

// taskOf returns the id of the newest task of type typ whose payload's key
// is id, completed or not.
func (e *backend) taskOf(typ, key, id string) string {
	e.t.Helper()
	var out string
	require.NoError(e.t, e.schema.DB.Raw(`SELECT id FROM `+e.tasks+` WHERE task_type = ? AND payload->>? = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, typ, key, id).Row().Scan(&out), "%s for %s", typ, id)
	return out
}

// enqueue writes task to the outbox in a unit of work of its own.
func (e *backend) enqueue(task engine.Task) string {
	e.t.Helper()
	var id string
	require.NoError(e.t, e.eng.Do(context.Background(), func(w *engine.Work) error {
		var err error
		id, err = w.Enqueue(task)
		return err
	}))
	return id
}

// submission is an onboarding submission and its onboarding:verify task.
type submission struct {
	profile models.StudentProfile
	taskID  string
}

// submit creates n applicants with valid onboarding submissions.
func (e *backend) submit(n int) []submission {
	e.t.Helper()
	college, domain := fixtures.College(e.t, e.schema.DB)
	accts := fixtures.Accounts(e.t, e.schema.DB, n)
	subs := make([]submission, n)
	for i, a := range accts {
		subs[i].profile, subs[i].taskID = fixtures.SubmitOnboarding(e.t, e.schema.DB, a, fixtures.OnboardingForm(college, domain))
	}
	return subs
}

// finalEvents counts each profile's events into a state the automatic
// checks end in (awaiting_email when they pass).
func (e *backend) finalEvents() map[string]int {
	e.t.Helper()
	var rows []struct {
		EntityID string
		N        int
	}
	require.NoError(e.t, e.schema.DB.Raw(`SELECT entity_id, count(*) AS n FROM workflow_events
		WHERE entity_type = 'onboarding' AND to_state IN ('awaiting_email', 'verified', 'rejected', 'needs_info') GROUP BY entity_id`).Scan(&rows).Error)
	out := map[string]int{}
	for _, r := range rows {
		out[r.EntityID] = r.N
	}
	return out
}

func (e *backend) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.schema.DB.Raw(query, args...).Row().Scan(&n))
	return n
}

// requireOneEffect checks a profile passed its checks exactly once (it
// awaits its e-mail code, never verified by the task), with one event, one
// notification and one code to mail.
func (e *backend) requireOneEffect(profileID string) {
	e.t.Helper()
	var prof models.StudentProfile
	require.NoError(e.t, e.schema.DB.Take(&prof, "id = ?", profileID).Error)
	require.Equal(e.t, workflows.OnboardingAwaitingEmail, prof.Status)
	require.Equal(e.t, 1, e.finalEvents()[profileID], "one final event")
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM email_codes WHERE profile_id = ?`, profileID), "one code")
	require.Equal(e.t, 1, e.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, prof.AccountID), "one notification")
}

func TestDuplicateDeliveryChangesOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	subs := e.submit(2)
	ctx := context.Background()

	t.Run("sequential", func(t *testing.T) {
		run := e.runOf(subs[0].taskID, 0)
		require.NoError(t, e.deliver(ctx, e.h, run))
		require.NoError(t, e.deliver(ctx, e.h, run))
		e.requireOneEffect(subs[0].profile.ID)
	})
	t.Run("concurrent", func(t *testing.T) {
		run := e.runOf(subs[1].taskID, 0)
		var g errgroup.Group
		for range 8 {
			g.Go(func() error { return e.deliver(ctx, e.h, run) })
		}
		require.NoError(t, g.Wait())
		e.requireOneEffect(subs[1].profile.ID)
	})
}

func TestFailureAtEveryPointEndsWithOneEffect(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	errCrash := errors.New("simulated crash")
	verify := e.h.VerifyOnboarding
	cases := []struct {
		name string
		// first runs the first, failing delivery.
		first func(run engine.Run) error
	}{
		{"cancelled before the transaction", func(run engine.Run) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return e.runner.Execute(ctx, run, verify, nil)
		}},
		{"failing inside the transaction after its writes", func(run engine.Run) error {
			return e.runner.Execute(context.Background(), run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
				if err := verify(ctx, w, r); err != nil {
					return err
				}
				return errCrash
			}, nil)
		}},
		{"cancelled inside the transaction before commit", func(run engine.Run) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return e.runner.Execute(ctx, run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
				err := verify(ctx, w, r)
				cancel()
				return err
			}, nil)
		}},
		{"after commit, before Asynq records success", func(run engine.Run) error {
			if err := e.runner.Execute(context.Background(), run, verify, nil); err != nil {
				return err
			}
			return errCrash // the success never reaches Redis, so Asynq delivers again
		}},
	}
	subs := e.submit(len(cases))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := e.runOf(subs[i].taskID, 0)
			require.Error(t, tc.first(run))
			retry := run
			retry.Attempt = 1
			require.NoError(t, e.deliver(context.Background(), e.h, retry))
			e.requireOneEffect(subs[i].profile.ID)
		})
	}
}

func TestPermanentErrorIsRecordedAndNotRetried(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	id := e.enqueue(engine.Task{
		Type:    workflows.TypeOnboardingVerify,
		Payload: map[string]any{"profile_id": 42}, // not a string: cannot decode
	})
	err := e.deliver(context.Background(), e.h, e.runOf(id, 0))
	require.ErrorIs(t, err, asynq.SkipRetry)
	var row models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&row, "id = ?", id).Error)
	require.NotNil(t, row.FailedAt, "the row stays, failed, for ops to see and re-run")
	require.Contains(t, *row.LastError, "decode payload")
}

func TestRolledBackTransactionLeavesNoTask(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	errAbort := errors.New("abort")
	// An engine that dispatches at once: a rolled-back unit must not.
	err := e.dispatching(testenv.Logger(t)).Do(ctx, func(w *engine.Work) error {
		if _, err := w.Enqueue(workflows.NewOnboardingVerifyTask(models.NewID(), 1)); err != nil {
			return err
		}
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	require.Zero(t, e.count(`SELECT count(*) FROM outbox`))
	n, err := e.relay().DispatchDue(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	keys, err := e.redis.Client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Empty(t, keys, "nothing may reach Redis")
}

func TestTwoRelaysAndTwoReconcilersCompleteEveryWorkflowOnce(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	e.startServer(e.mux())
	for range 2 {
		e.background(e.relay().Run)
		e.background(e.reconciler(time.Minute).Run)
	}
	const n = 300
	subs := e.submit(n)
	testenv.WaitFor(t, 90*time.Second, "every outbox row to complete", func() bool {
		return e.count(`SELECT count(*) FROM outbox`) == 0
	})
	final := e.finalEvents()
	for _, s := range subs {
		require.Equal(t, 1, final[s.profile.ID])
	}
	queue, err := e.inspector.GetQueueInfo(engine.QueueCritical)
	require.NoError(t, err)
	// Asynq counts every attempt as processed and each failed attempt
	// (retried: on a loaded machine a transient error happens) as failed
	// too; the attempts that succeeded are one per task.
	t.Logf("critical queue: %d processed, %d failed attempts", queue.Processed, queue.Failed)
	require.Equal(t, 2*n, queue.Processed-queue.Failed,
		"no row dispatched twice: each task (verify, e-mail code) succeeded once")
	require.Equal(t, n, e.count(`SELECT count(*) FROM notifications`))
	require.Len(t, e.mail.Messages(), n, "one code mail per profile")
	require.Zero(t, e.count(`SELECT count(*) FROM student_profiles WHERE status = 'verified'`), "no code confirmed, none verified")
}

func TestRedisLosingEveryKeyLosesNoWork(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
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
	testenv.WaitFor(t, 60*time.Second, "some progress", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return processed >= 50
	})
	require.NoError(t, e.redis.Client.FlushDB(context.Background()).Err())
	testenv.WaitFor(t, 120*time.Second, "all profiles to reach a final state", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`) == n
	})
	final := e.finalEvents()
	for _, s := range subs {
		require.Equal(t, 1, final[s.profile.ID], "profile %s", s.profile.ID)
	}
	testenv.WaitFor(t, 60*time.Second, "every notification", func() bool {
		return e.count(`SELECT count(*) FROM notifications`) == n
	})
	testenv.WaitFor(t, 60*time.Second, "every code mailed", func() bool {
		return e.count(`SELECT count(*) FROM email_codes WHERE sent_at IS NOT NULL`) == n
	})
	require.Len(t, e.mail.Messages(), n, "each code mailed once, though Redis lost its tasks")
	require.Zero(t, e.count(`SELECT count(*) FROM student_profiles WHERE status = 'verified'`), "no code confirmed, none verified")
	require.Greater(t, e.count(`SELECT count(*) FROM tasks_ever WHERE dispatch_count > 1`), 0,
		"the flush should have forced the reconciler to dispatch some rows again")
}

func silentLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
