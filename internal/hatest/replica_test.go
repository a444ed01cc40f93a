package hatest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// openMigrated creates and migrates the database at dsn as `campusbiz
// migrate` does, and returns a pool on it.
func openMigrated(t *testing.T, dsn string) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	_, err := models.EnsureDatabase(ctx, dsn)
	require.NoError(t, err)
	db, err := models.Open(ctx, dsn, models.PoolConfig{MaxOpenConns: 10})
	require.NoError(t, err)
	t.Cleanup(func() { _ = models.Close(db) })
	require.NoError(t, models.Migrate(ctx, db, testenv.Logger(t)))
	return db
}

// With DATABASE_REPLICA_URL, admin lists and exports read from the replica:
// they still answer with the primary stopped.
func TestReplicaServesAdminListsAndExports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pair := testenv.StartPostgresPair(t)
	db := openMigrated(t, pair.URL("campusbiz"))
	reads, err := models.Open(ctx, pair.Replica.URL("campusbiz"), models.PoolConfig{MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = models.Close(reads) })
	a := app.New(app.Deps{DB: db, ReadDB: reads, Engine: fixtures.Engine(db, nil), Log: testenv.Logger(t)})
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	college, domain := fixtures.College(t, db)
	for _, acct := range fixtures.Accounts(t, db, 3) {
		fixtures.SubmitOnboarding(t, db, acct, fixtures.OnboardingForm(college, domain))
	}
	// A synchronous commit is flushed on the replica, not yet applied:
	// the list may lag by a moment.
	testenv.WaitFor(t, 10*time.Second, "the replica to show the three students", func() bool {
		list, err := a.AdminStudents(ctx, admin, app.ListFilter{}, app.Page{Limit: 10})
		return err == nil && list.Total == 3
	})

	pair.StopPrimary()
	require.Error(t, a.Ready(ctx).Postgres, "the primary is down")
	list, err := a.AdminStudents(ctx, admin, app.ListFilter{}, app.Page{Limit: 10})
	require.NoError(t, err, "the list reads from the replica")
	require.Len(t, list.Items, 3)
	var csv bytes.Buffer
	require.NoError(t, a.Export(ctx, admin, "audit", &csv), "the export reads from the replica")
	require.True(t, strings.HasPrefix(csv.String(), "\uFEFF"), "a CSV was written")
}
