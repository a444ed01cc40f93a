package workers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// The engine benchmarks compare onboarding through the whole engine with
// bare Asynq doing one Postgres insert per task, on the same machine, the
// same Postgres and Redis, and the same worker concurrency. Run with a
// fixed task count, for example:
//
//	go test -run '^$' -bench 'Onboarding' -benchtime 3000x -count 3 ./workers/
const benchConcurrency = 20

// seedOnboardings writes n pending profiles and their outbox rows with
// set-based SQL, as n submissions would have.
func seedOnboardings(b *testing.B, e *engine, n int) {
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
// transaction (outbox lock, entity lock, rules, event, follow-up outbox
// row, completion) and Asynq. The follow-up notify:send tasks run too, on
// the low queue.
func BenchmarkOnboardingEngine(b *testing.B) {
	e := newEngine(b)
	seedOnboardings(b, e, b.N)
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	relay := e.relay()
	relay.Log = silentLogger()
	mux := workers.NewMux(workers.Deps{DB: e.schema.DB, Log: silentLogger(), Relay: relay})

	b.ResetTimer()
	start := time.Now()
	e.background(relay.Run)
	require.NoError(b, srv.Start(mux))
	waitFor(b, 10*time.Minute, "all profiles final", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// BenchmarkOnboardingBareAsynq is the baseline: b.N tasks already in Redis,
// each handler inserting one row in its own transaction.
func BenchmarkOnboardingBareAsynq(b *testing.B) {
	e := newEngine(b)
	require.NoError(b, e.schema.DB.Exec(`CREATE TABLE bare_results (id bigserial PRIMARY KEY, task_id text NOT NULL, at timestamptz NOT NULL DEFAULT now())`).Error)
	for i := range b.N {
		_, err := e.client.Enqueue(asynq.NewTask("bare:insert", fmt.Appendf(nil, `{"n":%d}`, i)), asynq.Queue("critical"))
		require.NoError(b, err)
	}
	srv := workers.NewServer(context.Background(), e.redis.Opt,
		workers.ServerConfig{Concurrency: benchConcurrency}, silentLogger())
	mux := asynq.NewServeMux()
	mux.HandleFunc("bare:insert", func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		return e.schema.DB.WithContext(ctx).Exec(`INSERT INTO bare_results (task_id) VALUES (?)`, id).Error
	})

	b.ResetTimer()
	start := time.Now()
	require.NoError(b, srv.Start(mux))
	waitFor(b, 10*time.Minute, "all inserts", func() bool {
		return e.count(`SELECT count(*) FROM bare_results`) == b.N
	})
	elapsed := time.Since(start)
	b.StopTimer()
	srv.Shutdown()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}
