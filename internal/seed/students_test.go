package seed

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestStudentsBulkLoad(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	ctx := context.Background()
	_, err := LoadColleges(ctx, db)
	require.NoError(t, err)
	_, err = FundProgram(ctx, db, time.Now())
	require.NoError(t, err)

	const n = 5000
	last := map[string]int64{}
	calls := 0
	b := BulkStudents{N: n, PasswordHash: "not-a-hash", Chunk: 1200, Progress: func(step string, done, total int64) {
		require.Greater(t, done, last[step], "progress moves forward")
		last[step] = done
		calls++
	}}
	require.NoError(t, Students(ctx, db, b))
	require.Equal(t, int64(n), last["profiles"])
	require.Greater(t, calls, 6*4, "several chunks per step")

	count := func(sql string) int64 {
		var c int64
		require.NoError(t, db.Raw(sql).Scan(&c).Error)
		return c
	}
	groups := func(table string) map[string]int64 {
		var rows []struct {
			Status string
			N      int64
		}
		require.NoError(t, db.Raw(`SELECT status, count(*) AS n FROM `+table+` GROUP BY status`).Scan(&rows).Error)
		out := map[string]int64{}
		for _, r := range rows {
			out[r.Status] = r.N
		}
		return out
	}
	require.Equal(t, int64(n), count(`SELECT count(*) FROM accounts WHERE role = 'applicant'`))
	require.Equal(t, map[string]int64{"verified": n * 90 / 100, "pending": n * 5 / 100, "rejected": n * 3 / 100,
		"needs_info": n * 2 / 100}, groups("student_profiles"))
	require.Equal(t, int64(n/10), count(`SELECT count(*) FROM shops`))
	require.Equal(t, int64(n/50), count(`SELECT count(*) FROM fund_applications`))
	require.Len(t, groups("fund_applications"), 6, "applications spread over the states")
	// Every application under review has two assignments, to two reviewers.
	require.Equal(t, 2*groups("fund_applications")["in_review"],
		count(`SELECT count(DISTINCT (application_id, reviewer_id)) FROM fund_reviews`))
	// Every reviewer has a share of them.
	require.EqualValues(t, 10, count(`SELECT count(DISTINCT reviewer_id) FROM fund_reviews`))
	// Every fund application's shop is a verified shop of the applicant.
	require.Zero(t, count(`SELECT count(*) FROM fund_applications f JOIN shops s ON s.id = f.shop_id
		WHERE s.account_id <> f.account_id OR s.status <> 'verified'`))
	// The seeded rows read back through the models (reasons decode).
	var profiles []models.StudentProfile
	require.NoError(t, db.Where("status IN ?", []string{"rejected", "needs_info"}).Limit(20).Find(&profiles).Error)
	require.Len(t, profiles, 20)
	for _, p := range profiles {
		require.Len(t, p.Reasons, 1)
		require.Equal(t, "student_number", p.Reasons[0].Field)
		require.Equal(t, msg.OnboardingStudentNumber, p.Reasons[0].Code, "a code the pages and the API render")
	}
	// The seeded passwords are the hash given.
	require.Zero(t, count(`SELECT count(*) FROM accounts WHERE password_hash <> 'not-a-hash'`))

	// The state counts the triggers kept match the tables.
	counts, _, err := models.StateCounts(ctx, db)
	require.NoError(t, err)
	kept := map[string]map[string]int64{}
	for _, c := range counts {
		if kept[c.Workflow] == nil {
			kept[c.Workflow] = map[string]int64{}
		}
		kept[c.Workflow][c.State] = c.N
	}
	require.Equal(t, groups("student_profiles"), kept["onboarding"])
	require.Equal(t, groups("shops"), kept["shop"])
	require.Equal(t, groups("fund_applications"), kept["fund"])

	// A second run inserts nothing.
	before := count(`SELECT count(*) FROM accounts`) + count(`SELECT count(*) FROM fund_reviews`)
	require.NoError(t, Students(ctx, db, BulkStudents{N: n, PasswordHash: "other"}))
	require.Equal(t, before, count(`SELECT count(*) FROM accounts`)+count(`SELECT count(*) FROM fund_reviews`))
	require.Zero(t, count(`SELECT count(*) FROM accounts WHERE password_hash <> 'not-a-hash'`))
}
