package chaos_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/chaos"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

// redisService lets the run stop and start the private Redis.
type redisService struct{ r *testenv.PrivateRedis }

func (s redisService) Stop() error  { s.r.Stop(); return nil }
func (s redisService) Start() error { s.r.Start(); return nil }

// TestChaos runs the system under faults and checks that nothing was lost
// or done twice. It runs for 40s of load on a single Redis by default
// (inside make test); CHAOS_DURATION sets a longer run (make chaos), and
// CHAOS_REDIS=sentinel (make chaos's default) runs it on a Redis Sentinel
// set, whose primary is killed and which is restarted whole among the
// faults.
func TestChaos(t *testing.T) {
	t.Parallel()
	// A task a SIGKILLed worker held active comes back only when Asynq's
	// recoverer (a sweep a minute) finds its 30 s lease expired for 30 s
	// more: up to about two minutes after the last kill.
	duration, settle := 40*time.Second, 150*time.Second
	if v := os.Getenv("CHAOS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "CHAOS_DURATION")
		duration, settle = d, 5*time.Minute
	}
	ctx := context.Background()
	pg := testenv.StartPrivatePostgres(t)
	cfg := chaos.Config{DatabaseURL: pg.URL("campusbiz"), Postgres: pg, Duration: duration, Settle: settle, Log: testenv.Logger(t)}
	switch mode := os.Getenv("CHAOS_REDIS"); mode {
	case "", "single":
		rd := testenv.StartPrivateRedis(t)
		cfg.RedisURL, cfg.Redis = rd.URL(), redisService{rd}
	case "sentinel":
		// Four faults take turns every 10 s: the fourth comes at 40 s,
		// when a 40 s run stops injecting.
		if duration < 50*time.Second {
			t.Fatalf("CHAOS_REDIS=sentinel needs CHAOS_DURATION of at least 50s to inject each of its faults (it is %s)", duration)
		}
		cfg.Sentinel = testenv.StartSentinelSet(t)
	default:
		t.Fatalf("CHAOS_REDIS: %q is not single or sentinel", mode)
	}
	dir := t.TempDir()
	bin, err := chaos.Build(ctx, dir)
	require.NoError(t, err)
	cfg.Binary, cfg.Dir = bin, dir

	rep, err := chaos.Run(ctx, cfg)
	var table strings.Builder
	require.NoError(t, rep.WriteTable(&table))
	t.Logf("chaos table:\n%s", table.String())
	var load strings.Builder
	require.NoError(t, rep.Load.WriteTable(&load))
	t.Logf("loadgen summary (applicants a fault hit stop and count as failed):\n%s", load.String())
	if err != nil || rep.Err() != nil {
		for _, name := range []string{"api", "worker-1", "worker-2"} {
			b, _ := os.ReadFile(dir + "/" + name + ".log")
			t.Logf("%s log (last 4 KiB):\n%s", name, tail(b, 4096))
		}
	}
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	// The run must have exercised every fault and every workflow.
	for _, f := range cfg.Faults() {
		require.Positive(t, rep.Faults[f], f)
	}
	require.Positive(t, rep.Outage.Probes)
	for _, w := range rep.Workflows {
		require.Positive(t, w.Submitted, w.Name)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
