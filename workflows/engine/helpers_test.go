package engine

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// The engine's tests cannot use the application's workflows or registry
// (they import this package); they run a small machine and task table of
// their own.

// testTasks is the test engine's task table: the registry's Options.
var testTasks = map[string]Options{
	"test:expire":  {Queue: QueueLow, MaxRetry: 20, Timeout: 5 * time.Minute},
	"test:effect":  {Queue: QueueDefault, MaxRetry: 3, Timeout: 30 * time.Second},
	TypeNotifySend: {Queue: QueueLow, MaxRetry: 20, Timeout: 30 * time.Second},
}

// testMachine is an application's life, shaped like the internship
// machine: pending, then an offer or none, then an answer.
var testMachine = Machine{
	Entity:  "application",
	Initial: "pending",
	Transitions: map[string][]string{
		"pending":   {"offered", "unmatched"},
		"unmatched": {"offered", "unmatched"},
		"offered":   {"accepted", "declined"},
	},
	Final: []string{"accepted", "declined"},
}

// newTestEngine is an engine on a fresh schema, knowing testTasks, that
// dispatches to client after each commit (nil: leaves the tasks to the
// relay). The schema has an effects table whose n must be positive.
func newTestEngine(t *testing.T, client *asynq.Client) *Engine {
	t.Helper()
	db := testenv.Postgres(t).DB
	require.NoError(t, db.Exec(`CREATE TABLE effects (id bigserial PRIMARY KEY, n integer NOT NULL CHECK (n > 0))`).Error)
	return &Engine{DB: db, Client: client, Tasks: testTasks, Log: testenv.Logger(t)}
}

// testRedis is a Redis DB of the test's own, with an Asynq client and
// inspector on it.
type testRedis struct {
	testenv.RedisDB
	client    *asynq.Client
	inspector *asynq.Inspector
}

func newTestRedis(t *testing.T) testRedis {
	t.Helper()
	r := testRedis{RedisDB: testenv.Redis(t)}
	r.client = asynq.NewClient(r.Opt)
	r.inspector = asynq.NewInspector(r.Opt)
	t.Cleanup(func() {
		_ = r.client.Close()
		_ = r.inspector.Close()
	})
	return r
}

// keys lists every key in the Redis DB.
func (r testRedis) keys(t *testing.T) []string {
	t.Helper()
	keys, err := r.Client.Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	return keys
}

// closedRedis is an Asynq client pointed at a loopback port nothing
// listens on.
func closedRedis(t *testing.T) *asynq.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c := asynq.NewClient(asynq.RedisClientOpt{Addr: addr, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// accounts creates n applicant accounts.
func accounts(t *testing.T, db *gorm.DB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = models.NewID()
		require.NoError(t, db.Create(&models.Account{ID: ids[i], Email: ids[i] + "@example.com", PasswordHash: "x",
			Name: "A", Role: models.RoleApplicant}).Error)
	}
	return ids
}

func count(t *testing.T, db *gorm.DB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.Raw(query, args...).Row().Scan(&n))
	return n
}

func outboxRow(t *testing.T, db *gorm.DB, id string) models.OutboxRow {
	t.Helper()
	var row models.OutboxRow
	require.NoError(t, db.Take(&row, "id = ?", id).Error)
	return row
}
