package workers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// The engine benchmarks compare onboarding through the whole engine with
// bare Asynq doing one Postgres insert per task, on the same machine, the
// same Postgres and Redis, and the same worker concurrency. Run with a
// fixed task count, for example:
//
//	go test -run '^$' -bench 'Onboarding' -benchtime 3000x -count 3 ./workers/
//	go test -run '^$' -bench 'Sequential' -benchtime 2000x -count 3 ./workers/
const benchConcurrency = 20

// seedOnboardings writes n pending profiles and their outbox rows with
// set-based SQL, as n submissions would have.
func seedOnboardings(b *testing.B, e *backend, n int) {
	b.Helper()
	college, domain := fixtures.College(b, e.schema.DB)
	db := e.schema.DB
	require.NoError(b, db.Exec(`INSERT INTO accounts (id, email, password_hash, name, role)
		SELECT gen_random_uuid(), 'bench' || i || '@example.com', 'x', 'Bench', 'applicant' FROM generate_series(1, ?) i`, n).Error)
	require.NoError(b, db.Exec(`INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name,
		enrollment_year, major, college_email, phone, status)
		SELECT gen_random_uuid(), a.id, ?, '2024' || lpad(row_number() OVER ()::text, 6, '0'), '张三', 2024, 'E-commerce',
		'bench' || row_number() OVER () || '@' || ?, '13812345678', 'pending' FROM accounts a`, college.ID, domain).Error)
	require.NoError(b, db.Exec(`INSERT INTO outbox (id, task_type, payload, queue, max_retry, timeout_seconds)
		SELECT gen_random_uuid(), 'onboarding:verify', jsonb_build_object('profile_id', id, 'revision', 1), 'critical', 10, 30
		FROM student_profiles`).Error)
}

// BenchmarkOnboardingEngine times b.N onboarding:verify tasks from
// committed outbox rows to final profiles: relay dispatch, the runner's
// unit of work (outbox lock, entity lock, rules, event and notification,
// completion) and Asynq, through the worker's mux (workers.NewMux).
func BenchmarkOnboardingEngine(b *testing.B) {
	e := newBackend(b)
	seedOnboardings(b, e, b.N)
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	relay := e.relay()
	relay.Log = silentLogger()
	mux := workers.NewMux(workers.Deps{Engine: e.dispatching(silentLogger()), Log: silentLogger()})

	b.ResetTimer()
	start := time.Now()
	e.background(relay.Run)
	require.NoError(b, srv.Start(mux))
	testenv.WaitFor(b, 10*time.Minute, "all profiles final", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// BenchmarkOnboardingBareAsynq is the baseline: b.N tasks enqueued to bare
// Asynq, each handler inserting one row as one autocommit statement.
func BenchmarkOnboardingBareAsynq(b *testing.B) {
	benchmarkBare(b, func(ctx context.Context, db *gorm.DB, taskID string) error {
		return db.WithContext(ctx).Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, taskID).Error
	})
}

// BenchmarkOnboardingBareAsynqTx is the same baseline with the insert in an
// explicit transaction (BEGIN, INSERT, COMMIT), as handlers usually write it.
func BenchmarkOnboardingBareAsynqTx(b *testing.B) {
	benchmarkBare(b, func(ctx context.Context, db *gorm.DB, taskID string) error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, taskID).Error
		})
	})
}

// benchmarkBare times b.N tasks from enqueue to their insert: like the
// engine's figure, it includes handing the tasks to Asynq (one goroutine
// enqueues while the server works, as the engine's relay does).
func benchmarkBare(b *testing.B, insert func(ctx context.Context, db *gorm.DB, taskID string) error) {
	b.ReportMetric(bareRate(b, b.N, insert), "tasks/s")
}

// bareRate runs n bare tasks on a fresh schema and Redis DB and returns
// their rate, timed from the first enqueue to the last insert.
func bareRate(b *testing.B, n int, insert func(ctx context.Context, db *gorm.DB, taskID string) error) float64 {
	e := newBackend(b)
	require.NoError(b, e.schema.DB.Exec(`CREATE TABLE bare_results (id bigserial PRIMARY KEY, task_id text NOT NULL, at timestamptz NOT NULL DEFAULT now())`).Error)
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	mux := asynq.NewServeMux()
	mux.HandleFunc("bare:insert", func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		return insert(ctx, e.schema.DB, id)
	})

	b.ResetTimer()
	start := time.Now()
	require.NoError(b, srv.Start(mux))
	enqueued := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := e.client.Enqueue(asynq.NewTask("bare:insert", fmt.Appendf(nil, `{"n":%d}`, i)), asynq.Queue("critical")); err != nil {
				enqueued <- err
				return
			}
		}
		enqueued <- nil
	}()
	require.NoError(b, <-enqueued)
	testenv.WaitFor(b, 10*time.Minute, "all inserts", func() bool {
		return e.count(`SELECT count(*) FROM bare_results`) == n
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	e.release()
	return float64(n) / elapsed.Seconds()
}

// BenchmarkOnboardingBareAsynqSameWork is bare Asynq doing the same domain
// work as the engine (the onboarding:verify step: lock and read the profile,
// decide, update it, write the event and the notification) in a unit of
// work that completes no task (Engine.Do: the same transaction, without the
// outbox row, the relay or the runner's completion). The gap to
// BenchmarkOnboardingEngine is the exactly-once machinery's own cost.
func BenchmarkOnboardingBareAsynqSameWork(b *testing.B) {
	e := newBackend(b)
	seedOnboardings(b, e, b.N)
	var payloads [][]byte
	require.NoError(b, e.schema.DB.Raw(`SELECT payload FROM outbox`).Scan(&payloads).Error)
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	mux := asynq.NewServeMux()
	mux.HandleFunc(workflows.TypeOnboardingVerify, func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		return e.eng.Do(ctx, func(w *engine.Work) error {
			return e.h.VerifyOnboarding(ctx, w, engine.Run{TaskID: id, Type: t.Type(), Payload: t.Payload()})
		})
	})

	b.ResetTimer()
	start := time.Now()
	require.NoError(b, srv.Start(mux))
	for _, p := range payloads {
		_, err := e.client.Enqueue(asynq.NewTask(workflows.TypeOnboardingVerify, p), asynq.Queue(engine.QueueCritical))
		require.NoError(b, err)
	}
	testenv.WaitFor(b, 10*time.Minute, "all profiles final", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// BenchmarkVerifyStepSequential isolates the database side of one
// onboarding:verify: the runner's unit of work, run by hand one task after
// another, with no Redis and no concurrency.
func BenchmarkVerifyStepSequential(b *testing.B) {
	e := newBackend(b)
	seedOnboardings(b, e, b.N)
	var ids []string
	require.NoError(b, e.schema.DB.Raw(`SELECT id FROM outbox ORDER BY id`).Scan(&ids).Error)
	runs := make([]engine.Run, len(ids))
	for i, id := range ids {
		runs[i] = e.runOf(id, 0)
	}
	ctx := context.Background()
	b.ResetTimer()
	for _, run := range runs {
		if err := e.runner.Execute(ctx, run, e.h.VerifyOnboarding, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareInsertSequential is one autocommit insert after another.
func BenchmarkBareInsertSequential(b *testing.B) {
	e := newBackend(b)
	require.NoError(b, e.schema.DB.Exec(`CREATE TABLE bare_results (id bigserial PRIMARY KEY, task_id text NOT NULL)`).Error)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := e.schema.DB.WithContext(ctx).Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, fmt.Sprint(i)).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngineOneInsert is the engine with the baseline's work: b.N
// tasks whose step inserts the same one row as BenchmarkOnboardingBareAsynq,
// as steps write their events and outbox rows: a deferred write
// (Work.Defer), sent with the completion and COMMIT in one round trip.
// The outbox rows are written already claimed and handed to Asynq by one
// goroutine, as units of work do after their commit (direct dispatch) and
// as the baseline enqueues; the relay sweeps in the background as in
// production. The gap between the two is what the exactly-once machinery
// costs.
func BenchmarkEngineOneInsert(b *testing.B) {
	benchmarkEngineInsert(b, deferredInsert)
}

// deferredInsert is the engine's step with the baseline's work, as a
// deferred write.
func deferredInsert(_ context.Context, w *engine.Work, run engine.Run) error {
	w.Defer(`INSERT INTO bare_results (task_id) VALUES ($1)`, run.TaskID)
	return nil
}

// BenchmarkEngineOneInsertImmediate is BenchmarkEngineOneInsert with the
// insert run at once (through Work.DB), as a step must when it reads what
// it wrote: BEGIN and the completion, the insert, and COMMIT are three
// round trips.
func BenchmarkEngineOneInsertImmediate(b *testing.B) {
	benchmarkEngineInsert(b, func(_ context.Context, w *engine.Work, run engine.Run) error {
		return w.DB().Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, run.TaskID).Error
	})
}

func benchmarkEngineInsert(b *testing.B, step engine.Step) {
	b.ReportMetric(engineInsertRate(b, b.N, step), "tasks/s")
}

// engineInsertRate runs n engine tasks with step on a fresh schema and
// Redis DB and returns their rate, timed from the first dispatch to the
// last insert.
func engineInsertRate(b *testing.B, n int, step engine.Step) float64 {
	e := newBackend(b)
	db := e.schema.DB
	require.NoError(b, db.Exec(`CREATE TABLE bare_results (id bigserial PRIMARY KEY, task_id text NOT NULL, at timestamptz NOT NULL DEFAULT now())`).Error)
	require.NoError(b, db.Exec(`INSERT INTO outbox (id, task_type, payload, queue, max_retry, timeout_seconds, dispatched_at, dispatch_count)
		SELECT gen_random_uuid(), 'bench:insert', jsonb_build_object('n', i), 'critical', 10, 30, now(), 1
		FROM generate_series(1, ?) i`, n).Error)
	var rows []models.OutboxRow
	require.NoError(b, db.Order("id").Find(&rows).Error)
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	relay := e.relay()
	relay.Log = silentLogger()
	runner := &engine.Runner{Engine: e.dispatching(silentLogger()), Log: silentLogger()}
	mux := asynq.NewServeMux()
	mux.Handle("bench:insert", runner.Handler(step, nil))

	b.ResetTimer()
	start := time.Now()
	e.background(relay.Run)
	require.NoError(b, srv.Start(mux))
	dispatched := make(chan error, 1)
	go func() {
		for _, row := range rows {
			if err := engine.EnqueueRow(context.Background(), e.client, row); err != nil {
				dispatched <- err
				return
			}
		}
		dispatched <- nil
	}()
	require.NoError(b, <-dispatched)
	testenv.WaitFor(b, 10*time.Minute, "all inserts", func() bool {
		return e.count(`SELECT count(*) FROM bare_results`) == n
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	require.Zero(b, e.count(`SELECT count(*) FROM outbox`), "every task completed")
	e.release()
	return float64(n) / elapsed.Seconds()
}

// BenchmarkEngineVsBare is the engine comparison made robust to a
// shared machine: rounds of b.N tasks alternate between bare Asynq with one
// autocommit insert per task and the engine running the same insert as a
// deferred write (BenchmarkEngineOneInsert), so that both sides of each
// pair see the same load; the ratio is the mean of the pairs'. For example:
//
//	go test -run '^$' -bench EngineVsBare -benchtime 20000x ./workers/
func BenchmarkEngineVsBare(b *testing.B) {
	pairs := 6
	if b.N < 1000 {
		pairs = 1 // the framework's first, probing call
	}
	insert := func(ctx context.Context, db *gorm.DB, taskID string) error {
		return db.WithContext(ctx).Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, taskID).Error
	}
	var bare, eng, ratios []float64
	for i := range pairs {
		bare = append(bare, bareRate(b, b.N, insert))
		eng = append(eng, engineInsertRate(b, b.N, deferredInsert))
		ratios = append(ratios, eng[i]/bare[i])
		b.Logf("pair %d: bare %.0f tasks/s, engine %.0f tasks/s, ratio %.3f", i+1, bare[i], eng[i], ratios[i])
	}
	b.ReportMetric(mean(bare), "bare-tasks/s")
	b.ReportMetric(mean(eng), "engine-tasks/s")
	b.ReportMetric(mean(ratios), "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
}

// release closes the engine's connections to Postgres once a round is done,
// so that the rounds of one benchmark stay within max_connections; the
// schema is dropped when the benchmark ends.
func (e *backend) release() {
	require.NoError(e.t, models.Close(e.schema.DB))
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
