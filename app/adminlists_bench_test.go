package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// BenchmarkAdminListsAtScale times filtered first pages of the admin lists
// with their counts, through the app layer, against a database loaded by
// `campusbiz seed --students N` (SCALE_DATABASE_URL; skipped without it,
// since loading ten million students takes the better part of an hour), and
// reports p50 and p99:
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/campusbiz_scale?sslmode=disable \
//	  ADMIN_EMAIL=admin@scale.test ADMIN_PASSWORD=scale-admin-pw campusbiz seed --students 10000000
//	SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/campusbiz_scale?sslmode=disable \
//	  go test -run '^$' -bench AdminListsAtScale -benchtime 500x ./app/
//
// Each operation picks a random college, status or student, so the reads
// spread over the whole table.
func BenchmarkAdminListsAtScale(b *testing.B) {
	dsn := os.Getenv("SCALE_DATABASE_URL")
	if dsn == "" {
		b.Skip("SCALE_DATABASE_URL is not set")
	}
	ctx := context.Background()
	db, err := models.Open(ctx, dsn, models.PoolConfig{MaxOpenConns: 4})
	require.NoError(b, err)
	b.Cleanup(func() { _ = models.Close(db) })
	a := app.New(app.Deps{DB: db, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	var admin models.Account
	require.NoError(b, db.Where("role = ?", models.RoleAdmin).Take(&admin).Error)
	actor := app.ActorOf(admin)
	var colleges, programs []string
	require.NoError(b, db.Raw(`SELECT id FROM colleges`).Scan(&colleges).Error)
	require.NoError(b, db.Raw(`SELECT id FROM fund_programs`).Scan(&programs).Error)
	var students int64
	require.NoError(b, db.Raw(`SELECT n FROM workflow_state_counts WHERE workflow = 'onboarding' AND state = 'verified'`).Scan(&students).Error)
	require.Positive(b, students, "no seeded students: run campusbiz seed --students N")
	students = students * 10 / 9 // 90% are verified
	states := []string{"verified", "pending", "rejected", "needs_info"}
	pick := func(s []string) string { return s[rand.IntN(len(s))] }
	student := func() int64 { return 1 + rand.Int64N(students) }

	// timed runs op, which answers the rows of the page it read.
	timed := func(b *testing.B, op func() (int, error)) {
		lat := make([]time.Duration, 0, b.N)
		var rows int
		for b.Loop() {
			start := time.Now()
			n, err := op()
			lat = append(lat, time.Since(start))
			require.NoError(b, err)
			rows += n
		}
		p := loadgen.Percentiles(lat)
		b.ReportMetric(float64(p.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
	}
	page := app.Page{Limit: 50}
	for _, c := range []struct {
		name   string
		filter func() app.ListFilter
	}{
		{"status+college", func() app.ListFilter { return app.ListFilter{Status: pick(states), CollegeID: pick(colleges)} }},
		{"status", func() app.ListFilter { return app.ListFilter{Status: pick(states)} }},
		{"number-prefix", func() app.ListFilter { return app.ListFilter{Q: fmt.Sprintf("%010d", student())[:8]} }},
		{"email-prefix", func() app.ListFilter { return app.ListFilter{Q: fmt.Sprintf("s%d@", student())} }},
		{"name-prefix", func() app.ListFilter { return app.ListFilter{Q: fmt.Sprintf("Scale student %d", student()/10)} }},
		{"college+name-prefix", func() app.ListFilter {
			return app.ListFilter{CollegeID: pick(colleges), Q: fmt.Sprintf("Scale student %d", student()/1000)}
		}},
	} {
		b.Run("students/"+c.name, func(b *testing.B) {
			timed(b, func() (int, error) {
				l, err := a.AdminStudents(ctx, actor, c.filter(), page)
				return len(l.Items), err
			})
		})
	}
	b.Run("fund-applications/status+program", func(b *testing.B) {
		timed(b, func() (int, error) {
			l, err := a.AdminFundApplications(ctx, actor, app.ListFilter{
				Status: pick([]string{"in_review", "rejected", "waitlisted", "screening"}), ProgramID: pick(programs)}, page)
			return len(l.Items), err
		})
	})
}
