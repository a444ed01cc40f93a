// Package testenv gives each test its own piece of the real services: a
// fresh, migrated Postgres schema and a whole Redis DB number, both removed
// when the test ends, so tests run in parallel against Postgres and Redis
// without mocks and leave nothing behind.
//
// TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/campusbiz_test?sslmode=disable)
// names the database, which is created when missing; TEST_REDIS_URL
// (default redis://127.0.0.1:6379) names the Redis server. DB 0 holds the
// leases that hand out DBs 1 to 15.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

func databaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/campusbiz_test?sslmode=disable"
}

func redisAddr() (string, error) {
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		return "127.0.0.1:6379", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("TEST_REDIS_URL: %w", err)
	}
	return u.Host, nil
}

var ensureDatabase = sync.OnceValue(func() error {
	_, err := models.EnsureDatabase(context.Background(), databaseURL())
	return err
})

// Schema is a test's own Postgres schema.
type Schema struct {
	// DB is a pool whose search_path is the schema.
	DB *gorm.DB
	// DSN connects to the schema (for LISTEN connections and subprocesses).
	DSN string
	// Name is the schema's name.
	Name string
}

// Postgres creates a fresh schema, migrates it, and drops it when t ends.
func Postgres(t testing.TB) Schema {
	t.Helper()
	ctx := context.Background()
	if err := ensureDatabase(); err != nil {
		t.Fatalf("test database (is Postgres running? make services): %v", err)
	}
	name := "t_" + randomHex(6)
	admin, err := pgx.Connect(ctx, databaseURL())
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(databaseURL())
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	dsn := u.String()
	db, err := models.Open(ctx, dsn, models.PoolConfig{MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = models.Close(db)
		conn, err := pgx.Connect(context.Background(), databaseURL())
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	if err := models.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate schema %s: %v", name, err)
	}
	return Schema{DB: db, DSN: dsn, Name: name}
}

// RedisDB is a test's own Redis database number.
type RedisDB struct {
	// Opt connects Asynq to the DB.
	Opt asynq.RedisClientOpt
	// Client is a go-redis client on the DB.
	Client *redis.Client
	// URL is the redis:// URL of the DB (for subprocesses).
	URL string
}

const leaseTTL = 15 * time.Minute

// Redis leases a whole Redis DB (1 to 15) for t, empties it, and empties
// and releases it when t ends. It waits while all are leased.
func Redis(t testing.TB) RedisDB {
	t.Helper()
	ctx := context.Background()
	addr, err := redisAddr()
	if err != nil {
		t.Fatal(err)
	}
	leases := redis.NewClient(&redis.Options{Addr: addr, DB: 0})
	defer leases.Close()
	owner := strconv.Itoa(os.Getpid()) + ":" + randomHex(4)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := "campusbiz:testlease:" + strconv.Itoa(n)
			ok, err := leases.SetNX(ctx, key, owner, leaseTTL).Result()
			if err != nil {
				t.Fatalf("lease a Redis DB (is Redis running? make services): %v", err)
			}
			if ok {
				return leased(t, addr, n, key, owner)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no free Redis DB (1-15) for two minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func leased(t testing.TB, addr string, n int, key, owner string) RedisDB {
	opt := asynq.RedisClientOpt{Addr: addr, DB: n}
	// The constructor every process uses (a single server's is a *redis.Client).
	client := redisconn.FromOpt(opt).Client.(*redis.Client)
	if err := client.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("empty Redis DB %d: %v", n, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := client.FlushDB(ctx).Err(); err != nil {
			t.Errorf("empty Redis DB %d: %v", n, err)
		}
		_ = client.Close()
		leases := redis.NewClient(&redis.Options{Addr: addr, DB: 0})
		defer leases.Close()
		if cur, _ := leases.Get(ctx, key).Result(); cur == owner {
			leases.Del(ctx, key)
		}
	})
	return RedisDB{
		Opt:    opt,
		Client: client,
		URL:    fmt.Sprintf("redis://%s/%d", addr, n),
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Logger returns a logger that writes through t.Log, so output shows only
// for failing tests.
// Lines logged after t ends are dropped.
func Logger(t testing.TB) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(string(p))
	}
	return len(p), nil
}

// KeepCompletedTasks copies every outbox row a completion deletes into
// outbox_history, and makes the view tasks_ever of both, so that a test can
// find a completed task again (to deliver it a second time, or to check how
// often it was dispatched). The trigger is the test's own: production keeps
// only unfinished work.
func (s Schema) KeepCompletedTasks(t testing.TB) {
	t.Helper()
	err := s.DB.Exec(`CREATE TABLE outbox_history (LIKE outbox);
		CREATE FUNCTION keep_completed_task() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO outbox_history SELECT OLD.*;
			RETURN OLD;
		END $$;
		CREATE TRIGGER outbox_keep_completed AFTER DELETE ON outbox FOR EACH ROW EXECUTE FUNCTION keep_completed_task();
		CREATE VIEW tasks_ever AS SELECT * FROM outbox UNION ALL SELECT * FROM outbox_history;`).Error
	if err != nil {
		t.Fatalf("keep completed tasks: %v", err)
	}
}
