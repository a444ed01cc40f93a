package hatest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/chaos"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// The seeded admin and the reviewers a system test creates.
const (
	sysAdminEmail    = "hatest-admin@campusbiz.local"
	sysAdminPassword = "hatest-admin-password"
	sysReviewerPass  = "hatest-reviewer-1"
)

// binDir holds the campusbiz binary the package's tests share; TestMain
// removes it.
var binDir string

// campusbizBinary builds cmd/campusbiz once for the package's tests.
var campusbizBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hatest-bin-")
	if err != nil {
		return "", fmt.Errorf("binary dir: %w", err)
	}
	binDir = dir
	return chaos.Build(context.Background(), dir)
})

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// process is one campusbiz process a system test runs, its output in a log
// file of the test's.
type process struct {
	name, log string
	cmd       *exec.Cmd
	done      chan struct{}
}

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// system is the real campusbiz binary running `serve` and `worker` on a
// Redis topology and a database URL, with a mail sink for the e-mail codes
// and a pool of the test's own on the same DATABASE_URL.
type system struct {
	t     *testing.T
	bin   string
	dir   string
	env   []string
	base  string
	procs []*process
	mail  *mailsink.Sink
	db    *gorm.DB
	http  *http.Client
	// adminToken, reviewers (e-mails) and courseID are set up by setUp.
	adminToken string
	reviewers  []string
	courseID   string
}

// startSystem migrates and seeds databaseURL with `campusbiz migrate` and
// `seed`, then starts `serve` and `worker` with redisMode and redisURL and
// waits until the API is ready.
func startSystem(t *testing.T, redisMode, redisURL, databaseURL string) *system {
	t.Helper()
	bin, err := campusbizBinary()
	require.NoError(t, err)
	sink, err := mailsink.Start("127.0.0.1:0", 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sink.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s := &system{t: t, bin: bin, dir: t.TempDir(), base: "http://" + addr, mail: sink,
		http: &http.Client{Timeout: 10 * time.Second}}
	s.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SMTP_URL=" + sink.URL(),
		"DATABASE_URL=" + databaseURL, "REDIS_MODE=" + redisMode, "REDIS_URL=" + redisURL,
		"HTTP_ADDR=" + addr, "PUBLIC_BASE_URL=" + s.base,
		"ADMIN_EMAIL=" + sysAdminEmail, "ADMIN_PASSWORD=" + sysAdminPassword,
		"CERT_SIGNING_KEY=" + base64.StdEncoding.EncodeToString(key.Seed()),
		"SHOP_VERIFICATION=manual", "SHOP_CHECK_DELAY=1s", "RECONCILE_GRACE=3s", "RECONCILE_INTERVAL=1s",
		"LOGIN_RATE=100000", "SUBMIT_RATE=100000", "REQUEST_TIMEOUT=3s",
		"WORKER_CONCURRENCY=10", "DB_MAX_OPEN_CONNS=20", "LOG_LEVEL=warn",
	}
	for _, step := range []string{"migrate", "seed"} {
		cmd := exec.Command(bin, step)
		cmd.Env = s.env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "campusbiz %s through %s:\n%s", step, databaseURL, out)
	}
	s.procs = []*process{s.start("api", "serve"), s.start("worker", "worker")}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range s.procs {
				b, _ := os.ReadFile(p.log)
				t.Logf("%s log (last 6 KiB):\n%s", p.name, tailBytes(b, 6<<10))
			}
		}
	})
	s.db, err = models.Open(context.Background(), databaseURL, models.PoolConfig{MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = models.Close(s.db) })
	testenv.WaitFor(t, 30*time.Second, "the API to be ready", s.ready)
	return s
}

// start runs the binary with args until the test ends (SIGTERM, then
// SIGKILL after 10s).
func (s *system) start(name string, args ...string) *process {
	s.t.Helper()
	p := &process{name: name, log: filepath.Join(s.dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	require.NoError(s.t, err)
	p.cmd = exec.Command(s.bin, args...)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = s.env, f, f
	require.NoError(s.t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	s.t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// requireRunning fails the test when a process exited: both must ride out
// the faults without a restart.
func (s *system) requireRunning() {
	s.t.Helper()
	for _, p := range s.procs {
		require.True(s.t, p.running(), "campusbiz %s exited; it must reconnect on its own", p.name)
	}
}

// ready is whether GET /readyz answers 200.
func (s *system) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	return s.readyz(ctx) == nil
}

func (s *system) readyz(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: status %d", resp.StatusCode)
	}
	return nil
}

// call makes one API request and returns the status; out, when not nil,
// receives the decoded answer.
func (s *system) call(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %.200s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, nil
}

// must makes a request that must answer want.
func (s *system) must(method, path, token string, body, out any, want int) {
	s.t.Helper()
	status, err := s.call(context.Background(), method, path, token, body, out)
	require.Equal(s.t, want, status, "%s %s: %v", method, path, err)
}

func (s *system) login(email, password string) string {
	s.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	s.must(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &out, http.StatusOK)
	return out.Token
}

// setUp signs the admin in, creates the two reviewers the seeded fund
// programme assigns to each application (no college: eligible for every
// applicant), an internship place, and picks the first seeded course.
func (s *system) setUp() {
	s.t.Helper()
	s.adminToken = s.login(sysAdminEmail, sysAdminPassword)
	for i := range 2 {
		email := fmt.Sprintf("hatest-reviewer-%d@reviewers.example.com", i)
		s.must(http.MethodPost, "/api/v1/admin/accounts", s.adminToken, map[string]any{
			"email": email, "password": sysReviewerPass, "name": fmt.Sprintf("Reviewer %d", i), "role": "reviewer",
		}, nil, http.StatusCreated)
		s.reviewers = append(s.reviewers, email)
	}
	s.must(http.MethodPost, "/api/v1/admin/internships", s.adminToken, map[string]any{
		"company": "Yiwu Trade", "title": "Live-stream assistant", "city": "Yiwu",
		"skills": []string{"live-streaming"}, "capacity": 60,
	}, nil, http.StatusCreated)
	var courses struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	s.must(http.MethodGet, "/api/v1/courses", "", nil, &courses, http.StatusOK)
	require.NotEmpty(s.t, courses.Items, "the seed loads courses")
	s.courseID = courses.Items[0].ID
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
