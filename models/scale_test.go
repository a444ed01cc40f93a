package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// kept is StateCounts as workflow -> state -> n.
func kept(t *testing.T, db *gorm.DB) map[string]map[string]int64 {
	t.Helper()
	counts, _, err := models.StateCounts(context.Background(), db)
	require.NoError(t, err)
	out := map[string]map[string]int64{}
	for _, c := range counts {
		if out[c.Workflow] == nil {
			out[c.Workflow] = map[string]int64{}
		}
		out[c.Workflow][c.State] = c.N
	}
	return out
}

// insertPendingProfile writes student i's pending profile with one plain
// INSERT, as a bulk load would (the state counts follow it by trigger).
func insertPendingProfile(db *gorm.DB, id, accountID, collegeID, domain string, i int) error {
	return db.Exec(`INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name,
		enrollment_year, major, college_email, phone, status) VALUES (?, ?, ?, ?, 'x', 2024, 'm', ?, '13812345678', 'pending')`,
		id, accountID, collegeID, fmt.Sprintf("2024%06d", i), fmt.Sprintf("s%d@%s", i, domain)).Error
}

// grouped is the truth: the table grouped by status.
func grouped(t *testing.T, db *gorm.DB, table string) map[string]int64 {
	t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	require.NoError(t, db.Raw(`SELECT status, count(*) AS n FROM `+table+` GROUP BY status`).Scan(&rows).Error)
	if len(rows) == 0 {
		return nil
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

func TestStateCountsFollowInsertsUpdatesAndDeletes(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	college, domain := fixtures.College(t, db)
	accts := fixtures.Accounts(t, db, 40)
	check := func(what string) {
		t.Helper()
		require.Equal(t, grouped(t, db, "student_profiles"), kept(t, db)["onboarding"], what)
	}
	for i, a := range accts {
		require.NoError(t, insertPendingProfile(db, models.NewID(), a.ID, college.ID, domain, i))
	}
	check("inserts")
	require.NoError(t, db.Exec(`UPDATE student_profiles SET status = 'verified' WHERE student_number < '2024000010'`).Error)
	check("a set-based update")
	verified, err := models.CountInState(ctx, db, "onboarding", "verified")
	require.NoError(t, err)
	require.EqualValues(t, 10, verified)
	require.NoError(t, db.Exec(`UPDATE student_profiles SET major = 'other'`).Error)
	check("an update that leaves status alone")
	deltas := func() int64 {
		var n int64
		require.NoError(t, db.Raw(`SELECT count(*) FROM workflow_state_deltas`).Scan(&n).Error)
		return n
	}
	// 40 single-row inserts, then two states of one set-based update; the
	// update of another column appended nothing.
	require.EqualValues(t, 42, deltas())

	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE student_profiles SET status = 'rejected'`).Error; err != nil {
			return err
		}
		return fmt.Errorf("roll back")
	})
	require.Error(t, err)
	check("a rolled-back update")

	folded, err := models.CompactStateCounts(ctx, db)
	require.NoError(t, err)
	require.EqualValues(t, 42, folded)
	require.Zero(t, deltas())
	check("after folding")

	require.NoError(t, db.Exec(`DELETE FROM student_profiles WHERE status = 'verified'`).Error)
	check("a delete")
	require.NoError(t, db.Exec(`DELETE FROM student_profiles`).Error)
	require.Empty(t, kept(t, db)["onboarding"], "states that reach zero are left out")
}

func TestStateCountsUnderConcurrentWritesAndFolds(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	college, domain := fixtures.College(t, db)
	accts := fixtures.Accounts(t, db, 200)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(accts); i += 8 {
				id := models.NewID()
				err := db.Transaction(func(tx *gorm.DB) error {
					if err := insertPendingProfile(tx, id, accts[i].ID, college.ID, domain, i); err != nil {
						return err
					}
					to := []string{"verified", "rejected", "needs_info"}[i%3]
					return tx.Exec(`UPDATE student_profiles SET status = ? WHERE id = ?`, to, id).Error
				})
				require.NoError(t, err)
				if i%10 == 0 {
					_, err := models.CompactStateCounts(ctx, db)
					require.NoError(t, err)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, grouped(t, db, "student_profiles"), kept(t, db)["onboarding"])
	_, err := models.CompactStateCounts(ctx, db)
	require.NoError(t, err)
	require.Equal(t, map[string]int64{"verified": 67, "rejected": 67, "needs_info": 66}, kept(t, db)["onboarding"])
}

// Folds in different schemas of one database must not skip each other: the
// tests (and any second programme) share the database, and a database-wide
// lock made a fold return 0 whenever another schema was folding.
func TestStateCountFoldsInOtherSchemasDoNotBlock(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	other := testenv.Postgres(t).DB
	ctx := context.Background()
	college, domain := fixtures.College(t, db)
	a := fixtures.Accounts(t, db, 1)[0]
	require.NoError(t, insertPendingProfile(db, models.NewID(), a.ID, college.ID, domain, 1))

	// Start a fold in the other schema and hold it midway: it takes its
	// lock, then waits for the deltas table that this transaction holds.
	hold := other.Begin()
	t.Cleanup(func() { hold.Rollback() })
	require.NoError(t, hold.Exec(`LOCK TABLE workflow_state_deltas IN ACCESS EXCLUSIVE MODE`).Error)
	otherFold := make(chan error, 1)
	go func() {
		_, err := models.CompactStateCounts(ctx, other)
		otherFold <- err
	}()
	require.Eventually(t, func() bool {
		var waiting int64
		require.NoError(t, db.Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM workflow_state_deltas%'`).Scan(&waiting).Error)
		return waiting > 0
	}, 10*time.Second, 10*time.Millisecond, "the other schema's fold never started")

	folded, err := models.CompactStateCounts(ctx, db)
	require.NoError(t, err)
	require.EqualValues(t, 1, folded, "a fold in another schema held this one back")
	require.NoError(t, hold.Commit().Error)
	require.NoError(t, <-otherFold)
}
