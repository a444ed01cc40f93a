package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresBinDir is where Debian keeps the server binaries (initdb, pg_ctl).
const PostgresBinDir = "/usr/lib/postgresql/15/bin"

// PrivatePostgres is a Postgres cluster that belongs to one test, so the test
// may stop, restart or break it without touching the shared one. It listens
// on loopback TCP only, trusts every local connection, and runs without
// fsync (a killed server loses nothing the operating system already has).
type PrivatePostgres struct {
	// Addr is host:port of the server.
	Addr string
	dir  string // holds data/ and server.log
	mu   sync.Mutex
	up   bool
}

// StartPrivatePostgres creates a cluster with initdb in a temporary directory
// and starts it on a free loopback port; it is stopped and removed when t
// ends. When the test runs as root, the server runs as the postgres user
// (Postgres refuses to run as root).
func StartPrivatePostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	if _, err := os.Stat(filepath.Join(PostgresBinDir, "initdb")); err != nil {
		t.Fatalf("the Postgres server binaries are not installed in %s (make services installs them): %v", PostgresBinDir, err)
	}
	p, port := newPrivatePostgres(t)
	if err := p.initdb(port); err != nil {
		t.Fatalf("private postgres: %v", err)
	}
	p.startAndStopAtCleanup(t)
	return p
}

// newPrivatePostgres picks a free port and makes the cluster's directory,
// owned by the user the server runs as; it is removed when t ends.
func newPrivatePostgres(t testing.TB) (*PrivatePostgres, int) {
	t.Helper()
	port := freePort(t)
	// Not t.TempDir: its parents are private to root, and the server may run
	// as postgres.
	dir, err := os.MkdirTemp("", "campusbiz-pg-")
	if err != nil {
		t.Fatalf("private postgres: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	p := &PrivatePostgres{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir}
	if err := p.chownDir(); err != nil {
		t.Fatalf("private postgres: %v", err)
	}
	return p, port
}

// startAndStopAtCleanup starts the server and stops it (immediately) when t
// ends.
func (p *PrivatePostgres) startAndStopAtCleanup(t testing.TB) {
	t.Helper()
	if err := p.Start(); err != nil {
		t.Fatalf("private postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := p.stop("immediate"); err != nil {
			t.Logf("private postgres: %v", err)
		}
	})
}

func (p *PrivatePostgres) chownDir() error {
	if err := os.Chmod(p.dir, 0o755); err != nil {
		return fmt.Errorf("chmod %s: %w", p.dir, err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(p.dir, uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p.dir, err)
		}
	}
	return nil
}

func (p *PrivatePostgres) initdb(port int) error {
	if out, err := pgCommand("initdb", "-D", p.dataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--no-sync", "--locale=C").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"+
		"fsync = off\nfull_page_writes = off\nmax_connections = 300\nshared_buffers = 64MB\n", port)
	return p.appendConf(conf)
}

// appendConf adds lines to postgresql.conf (later lines win).
func (p *PrivatePostgres) appendConf(conf string) error {
	f, err := os.OpenFile(filepath.Join(p.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(conf); err != nil {
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	return nil
}

func (p *PrivatePostgres) dataDir() string { return filepath.Join(p.dir, "data") }

// pgCommand runs one of the server binaries, as the postgres user when the
// caller is root.
func pgCommand(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(PostgresBinDir, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

// Start starts the server and waits until it accepts connections.
func (p *PrivatePostgres) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.up {
		return nil
	}
	if out, err := pgCommand("pg_ctl", "start", "-D", p.dataDir(), "-l", filepath.Join(p.dir, "server.log"),
		"-w", "-t", "60").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		return fmt.Errorf("pg_ctl start: %w: %s\nserver log:\n%s", err, out, log)
	}
	p.up = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, p.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("private postgres on %s did not answer: %w", p.Addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop shuts the server down the way an operator's fast restart does:
// clients are disconnected and open transactions roll back.
func (p *PrivatePostgres) Stop() error { return p.stop("fast") }

func (p *PrivatePostgres) stop(mode string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.up {
		return nil
	}
	if out, err := pgCommand("pg_ctl", "stop", "-D", p.dataDir(), "-m", mode, "-w", "-t", "60").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %w: %s", mode, err, out)
	}
	p.up = false
	return nil
}

// Restart stops and starts the server.
func (p *PrivatePostgres) Restart() error {
	return errors.Join(p.Stop(), p.Start())
}

// URL is the connection URL of database name on the server.
func (p *PrivatePostgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", p.Addr, name)
}
