package workers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// campusbizBinary builds cmd/campusbiz once per test process.
func campusbizBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "campusbiz-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "campusbiz")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/campusbiz/campusbiz/cmd/campusbiz")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	require.NoError(t, buildErr, "build campusbiz: %s", buildOut)
	return binPath
}

// startWorkerProcess runs `campusbiz worker` against the back end's schema
// and Redis DB, with env overriding its settings; its log goes to a file
// shown if the test fails.
func (e *backend) startWorkerProcess(name string, env ...string) *exec.Cmd {
	e.t.Helper()
	logPath := filepath.Join(e.t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	require.NoError(e.t, err)
	cmd := exec.Command(campusbizBinary(e.t), "worker")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+e.schema.DSN, "REDIS_URL="+e.redis.URL, "WORKER_CONCURRENCY=2",
		"RECONCILE_GRACE=3s", "RECONCILE_INTERVAL=500ms", "LOG_LEVEL=warn", "DB_MAX_OPEN_CONNS=8")
	cmd.Env = append(cmd.Env, env...) // the last value of a key wins
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(e.t, cmd.Start())
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
		_ = logFile.Close()
		if e.t.Failed() {
			b, _ := os.ReadFile(logPath)
			e.t.Logf("%s log:\n%s", name, b)
		}
	})
	return cmd
}

// TestWorkerKilledMidwayLosesNothing SIGKILLs a worker process while it
// works through 500 onboardings, starts another, and checks that every
// profile ends in one final state. Tasks the dead worker held are given
// back by Asynq's lease recovery (about a minute), the rest at once.
func TestWorkerKilledMidwayLosesNothing(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	const n = 500
	subs := e.submit(n)
	first := e.startWorkerProcess("worker-1")
	testenv.WaitFor(t, 60*time.Second, "the first worker to make progress", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`) >= 20
	})
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	doneAtKill := e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`)
	require.Less(t, doneAtKill, n, "the kill must land while work is in flight")

	e.startWorkerProcess("worker-2")
	testenv.WaitFor(t, 200*time.Second, "all profiles to reach a final state", func() bool {
		return e.count(`SELECT count(*) FROM student_profiles WHERE status <> 'pending'`) == n
	})
	final := e.finalEvents()
	for _, s := range subs {
		require.Equal(t, 1, final[s.profile.ID], "profile %s", s.profile.ID)
	}
	testenv.WaitFor(t, 200*time.Second, "every notification", func() bool {
		return e.count(`SELECT count(*) FROM notifications`) == n
	})
	t.Logf("killed with %d of %d done; all %d finished once", doneAtKill, n, n)
}
