package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresPair is a private Postgres primary with one synchronous streaming
// replica (a commit returns only once the replica has the WAL), on loopback.
type PostgresPair struct {
	t testing.TB
	// Primary and Replica are the two servers; after Promote the replica
	// is the primary.
	Primary, Replica *PrivatePostgres
}

// StartPostgresPair makes a primary (initdb), a replica of it
// (pg_basebackup -R, streaming), waits until the replica streams, and then
// makes it synchronous (synchronous_standby_names = '*'). Both are stopped
// when t ends. It skips t when the server binaries are not installed.
func StartPostgresPair(t testing.TB) *PostgresPair {
	t.Helper()
	for _, bin := range []string{"initdb", "pg_ctl", "pg_basebackup"} {
		if _, err := os.Stat(filepath.Join(PostgresBinDir, bin)); err != nil {
			t.Skipf("%s is not installed in %s (make services installs it); this test needs it: %v", bin, PostgresBinDir, err)
		}
	}
	primary := StartPrivatePostgres(t)
	replica, port := newPrivatePostgres(t)
	_, pport, _ := net.SplitHostPort(primary.Addr)
	if out, err := pgCommand("pg_basebackup", "-D", replica.dataDir(), "-h", "127.0.0.1", "-p", pport, "-U", "postgres",
		"-R", "-X", "stream", "-c", "fast", "--no-sync", "-d", "application_name=replica").CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v: %s", err, out)
	}
	if err := replica.appendConf(fmt.Sprintf("port = %d\n", port)); err != nil {
		t.Fatal(err)
	}
	replica.startAndStopAtCleanup(t)
	pp := &PostgresPair{t: t, Primary: primary, Replica: replica}
	WaitFor(t, 30*time.Second, "the replica to stream", func() bool {
		return pp.queryPrimary(`SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'`) == "1"
	})
	if err := primary.appendConf("synchronous_standby_names = '*'\nsynchronous_commit = on\n"); err != nil {
		t.Fatal(err)
	}
	if out, err := pgCommand("pg_ctl", "reload", "-D", primary.dataDir()).CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl reload: %v: %s", err, out)
	}
	WaitFor(t, 30*time.Second, "the replica to be synchronous", func() bool {
		return pp.queryPrimary(`SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'`) == "1"
	})
	return pp
}

// queryPrimary answers a one-value query on the primary's postgres
// database as text ("" on error).
func (pp *PostgresPair) queryPrimary(q string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pp.Primary.URL("postgres"))
	if err != nil {
		return ""
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, q).Scan(&v); err != nil {
		return ""
	}
	return v
}

// URL is a DATABASE_URL of database name listing both servers, primary
// first, with target_session_attrs=read-write: each new connection goes to
// whichever accepts writes.
func (pp *PostgresPair) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@%s,%s/%s?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		pp.Primary.Addr, pp.Replica.Addr, name)
}

// StopPrimary stops the primary the way a crash does (pg_ctl stop -m
// immediate: no shutdown checkpoint, clients cut off).
func (pp *PostgresPair) StopPrimary() {
	pp.t.Helper()
	if err := pp.Primary.stop("immediate"); err != nil {
		pp.t.Fatal(err)
	}
}

// Promote makes the replica the primary (pg_ctl promote) and waits until it
// accepts writes.
func (pp *PostgresPair) Promote() {
	pp.t.Helper()
	if out, err := pgCommand("pg_ctl", "promote", "-D", pp.Replica.dataDir(), "-w", "-t", "60").CombinedOutput(); err != nil {
		pp.t.Fatalf("pg_ctl promote: %v: %s", err, out)
	}
}
