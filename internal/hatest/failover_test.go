package hatest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/ratelimit"
	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/hibiken/asynqmon"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// runs is how many onboardings each failover test runs: enough that
// the kill lands with work in every state (pending in Redis, running,
// waiting in the outbox), few enough to keep each test to seconds.
const runs = 200

// maxWithoutService bounds the time from a fault to writes working again:
// the failovers take 1–3s here, so this leaves room for a loaded machine
// while still failing a client that waits for a periodic refresh of a
// minute.
const maxWithoutService = 20 * time.Second

// finished counts onboardings in a final state.
func (b *backend) finished() int {
	return b.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`)
}

// runUnderLoad seeds the accounts, starts the load and returns once some
// workflows finished, so that the caller's fault lands mid-run.
func (b *backend) runUnderLoad(t *testing.T, db *gorm.DB) *load {
	t.Helper()
	college, domain := fixtures.College(t, db)
	accts := fixtures.Accounts(t, db, runs)
	l := b.startLoad(accts, college, domain, 5*time.Millisecond)
	testenv.WaitFor(t, 60*time.Second, "the first workflows to finish", func() bool { return b.finished() >= runs/5 })
	return l
}

func redisWrite(conn redisconn.Conn) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return conn.Client.Set(ctx, "campusbiz:hatest:probe", time.Now().UnixNano(), 0).Err()
	}
}

func TestSentinelFailoverLosesNoWorkflow(t *testing.T) {
	t.Parallel()
	set := testenv.StartSentinelSet(t)
	schema := testenv.Postgres(t)
	conn, err := redisconn.Open(redisconn.Sentinel, set.URL())
	require.NoError(t, err)
	b := startBackend(t, schema.DB, conn)
	l := b.runUnderLoad(t, schema.DB)
	o := probe(redisWrite(conn))
	before := b.finished()
	killed := set.KillPrimary()
	killedAt := time.Now()
	testenv.WaitFor(t, 30*time.Second, "a sentinel to promote the replica", func() bool {
		p, err := set.Primary()
		return err == nil && p != killed
	})
	promoted := time.Since(killedAt)
	accepted := l.wait(t, 90*time.Second)
	require.Len(t, accepted, runs, "every submission was accepted (they need only Postgres)")
	drained := b.requireEveryWorkflowOnce(accepted, 90*time.Second)
	down, back := o.end(killedAt)
	require.Less(t, back, maxWithoutService, "writes must come back within seconds of the promotion")
	require.NoError(t, b.app.Ready(context.Background()).Redis, "readiness follows the new primary")
	requireAsynqmonReads(t, conn)
	requireRateLimitsShared(t, conn)
	t.Logf("FIGURES sentinel: %d workflows, %d finished before the SIGKILL, 0 lost, 0 duplicated; "+
		"replica promoted %v after the kill; Redis writes failed for %v (%d probes), back %v after the kill; drained %v after the load ended",
		runs, before, promoted.Round(10*time.Millisecond), down.Round(10*time.Millisecond), o.failures,
		back.Round(10*time.Millisecond), drained.Round(10*time.Millisecond))
}

// The chaos run's whole-broker restart on a Sentinel set: both servers
// come back empty, the sentinels agree on the same primary again and
// clients write to it.
func TestSentinelSetRestartComesBackEmpty(t *testing.T) {
	t.Parallel()
	set := testenv.StartSentinelSet(t)
	conn, err := redisconn.Open(redisconn.Sentinel, set.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Client.Close() })
	ctx := context.Background()
	require.NoError(t, conn.Client.Set(ctx, "campusbiz:hatest:before", "1", 0).Err())
	primary, err := set.Primary()
	require.NoError(t, err)
	took, err := set.Restart(2 * time.Second)
	require.NoError(t, err)
	require.GreaterOrEqual(t, took, 2*time.Second, "the time counts from the kill")
	after, err := set.Primary()
	require.NoError(t, err)
	require.Equal(t, primary, after, "nothing to fail over to while both servers are down")
	testenv.WaitFor(t, maxWithoutService, "writes through the sentinels", func() bool { return redisWrite(conn)(ctx) == nil })
	n, err := conn.Client.Exists(ctx, "campusbiz:hatest:before").Result()
	require.NoError(t, err)
	require.Zero(t, n, "the restarted set is empty")
}

func TestClusterFailoverLosesNoWorkflow(t *testing.T) {
	t.Parallel()
	cluster := testenv.StartRedisCluster(t)
	schema := testenv.Postgres(t)
	conn, err := redisconn.Open(redisconn.Cluster, cluster.URL())
	require.NoError(t, err)
	requireRateLimitsShared(t, conn)
	b := startBackend(t, schema.DB, conn)
	l := b.runUnderLoad(t, schema.DB)
	o := probe(func(ctx context.Context) error {
		// A key in the critical queue's slot, the one whose primary dies.
		return conn.Client.Set(ctx, "asynq:{critical}:hatest-probe", time.Now().UnixNano(), 0).Err()
	})
	before := b.finished()
	// The primary of the critical queue's slot: Asynq keeps a queue's keys
	// under one hash tag, asynq:{critical}:..., so one node holds them all.
	const critical = "asynq:{critical}:pending"
	killed := cluster.KillPrimaryOf(critical)
	killedAt := time.Now()
	cluster.WaitPromoted(critical, killed, 30*time.Second)
	promoted := time.Since(killedAt)
	accepted := l.wait(t, 90*time.Second)
	require.Len(t, accepted, runs)
	drained := b.requireEveryWorkflowOnce(accepted, 90*time.Second)
	down, back := o.end(killedAt)
	// go-redis's own slot-map reload (every 60s) fails this; ours is 2s.
	require.Less(t, back, maxWithoutService, "writes must come back within seconds of the takeover")
	require.NoError(t, b.app.Ready(context.Background()).Redis)
	requireAsynqmonReads(t, conn)
	requireRateLimitsShared(t, conn)
	t.Logf("FIGURES cluster: %d workflows, %d finished before the SIGKILL, 0 lost, 0 duplicated; "+
		"replica took over %v after the kill; Redis writes to the critical queue's slot failed for %v (%d probes), back %v after the kill; drained %v after the load ended",
		runs, before, promoted.Round(10*time.Millisecond), down.Round(10*time.Millisecond), o.failures,
		back.Round(10*time.Millisecond), drained.Round(10*time.Millisecond))
}

// requireAsynqmonReads checks that Asynqmon, built on conn's option as
// `campusbiz serve` builds it, lists the queues and reads the topology's
// Redis info after the failover.
func requireAsynqmonReads(t *testing.T, conn redisconn.Conn) {
	t.Helper()
	mon := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: conn.Opt})
	defer mon.Close()
	for _, path := range []string{"/monitoring/api/queues", "/monitoring/api/redis_info"} {
		rec := httptest.NewRecorder()
		mon.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", path, rec.Body.String())
	}
	rec := httptest.NewRecorder()
	mon.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/monitoring/api/queues", nil))
	require.Contains(t, rec.Body.String(), `"queue":"critical"`)
}

// requireRateLimitsShared checks the rate limits' Lua script (one key) runs
// on conn: a second limiter, with empty buckets of its own, sees the tokens
// the first one took, so the bucket lives in Redis, not in a fallback.
func requireRateLimitsShared(t *testing.T, conn redisconn.Conn) {
	t.Helper()
	ctx := context.Background()
	limit := ratelimit.Limit{Name: "hatest", PerMinute: 1, Burst: 2}
	first := ratelimit.New(conn.Client, limit, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key := fmt.Sprintf("someone-%d@example.edu", time.Now().UnixNano())
	for range 2 {
		ok, _ := first.Allow(ctx, key)
		require.True(t, ok)
	}
	ok, wait := ratelimit.New(conn.Client, limit, nil).Allow(ctx, key)
	require.False(t, ok, "the bucket is shared through Redis")
	require.Greater(t, wait, time.Duration(0))
}

func TestPostgresFailoverLosesNoCommittedWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pair := testenv.StartPostgresPair(t)
	// As `campusbiz migrate` does, through the two-host URL.
	db := openMigrated(t, pair.URL("campusbiz"))
	log := testenv.Logger(t)
	b := startBackend(t, db, redisconn.FromOpt(testenv.Redis(t).Opt))
	l := b.runUnderLoad(t, db)
	o := probe(func(ctx context.Context) error {
		// txid_current() needs a writable primary.
		return db.WithContext(ctx).Exec(`SELECT txid_current()`).Error
	})
	before := b.finished()
	pair.StopPrimary()
	stoppedAt := time.Now()
	// An operator or a failover manager takes a moment to decide.
	time.Sleep(time.Second)
	pair.Promote()
	promoted := time.Since(stoppedAt)
	testenv.WaitFor(t, 30*time.Second, "writes through the pool again", func() bool {
		return db.Exec(`SELECT txid_current()`).Error == nil
	})
	resumed := time.Since(stoppedAt)
	require.Less(t, resumed, maxWithoutService, "the pool must reach the promoted server within seconds")
	accepted := l.wait(t, 90*time.Second)
	drained := b.requireEveryWorkflowOnce(accepted, 90*time.Second)
	down, _ := o.end(stoppedAt)
	for _, err := range l.refused {
		// A retry of a submission whose first try committed (the reply was
		// lost with the server) is refused as a duplicate; nothing else may
		// be, and a lost connection must read "try later", not a 500.
		require.ErrorIs(t, err, workflows.ErrConflict, "only duplicates of committed submissions are refused")
	}
	require.NoError(t, b.app.Ready(ctx).Postgres)
	require.NoError(t, models.Migrate(ctx, db, log), "migrate runs on the promoted server")
	t.Logf("FIGURES postgres: %d workflows (%d accepted, %d submissions failed and were retried), %d finished before the stop, "+
		"0 committed lost, 0 duplicated; promoted %v after the stop (1s of it a deliberate pause); writes resumed %v after the stop; "+
		"longest probe outage %v; drained %v after the load ended",
		runs, len(accepted), l.failed.Load(), before, promoted.Round(10*time.Millisecond), resumed.Round(10*time.Millisecond),
		down.Round(10*time.Millisecond), drained.Round(10*time.Millisecond))
}
