package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// BenchmarkScaleQueries times the per-request reads against a database
// loaded by `campusbiz seed --students N` (SCALE_DATABASE_URL; skipped
// without it), through the real app in-process, and reports p50 and p99:
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/campusbiz_scale?sslmode=disable \
//	  ADMIN_EMAIL=admin@scale.test ADMIN_PASSWORD=scale-admin-pw campusbiz seed --students 10000000
//	SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/campusbiz_scale?sslmode=disable \
//	  go test -run '^$' -bench ScaleQueries -benchtime 2000x ./api/
//
// Each operation picks a random student, reviewer, status or cursor, so the
// reads spread over the whole table as real traffic does.
func BenchmarkScaleQueries(b *testing.B) {
	dsn := os.Getenv("SCALE_DATABASE_URL")
	if dsn == "" {
		b.Skip("SCALE_DATABASE_URL is not set")
	}
	ctx := context.Background()
	db, err := models.Open(ctx, dsn, models.PoolConfig{MaxOpenConns: 4})
	require.NoError(b, err)
	b.Cleanup(func() { _ = models.Close(db) })
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e := api.New(api.Deps{App: application.New(application.Deps{DB: db, Log: log}), Log: log})
	counts, _, err := models.StateCounts(ctx, db)
	require.NoError(b, err)
	seeded := 0
	for _, c := range counts {
		if c.Workflow == "onboarding" {
			seeded += int(c.N)
		}
	}
	students := scaleSessions(b, db, `SELECT a.id, p.id AS entity FROM accounts a JOIN student_profiles p ON p.account_id = a.id
		WHERE a.email IN ?`, sampleEmails("s", max(seeded, 1), 2000))
	reviewers := scaleSessions(b, db, `SELECT id, id AS entity FROM accounts WHERE role = 'reviewer' AND email LIKE '%@scale.campusbiz.test'`)
	admins := scaleSessions(b, db, `SELECT id, id AS entity FROM accounts WHERE role = 'admin' LIMIT 1`)
	require.NotEmpty(b, students, "no seeded students: run campusbiz seed --students N")
	require.NotEmpty(b, reviewers)
	require.NotEmpty(b, admins)

	get := func(b *testing.B, path, token string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	timed := func(b *testing.B, op func()) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			op()
			lat = append(lat, time.Since(start))
		}
		p := loadgen.Percentiles(lat)
		b.ReportMetric(msf(p.P50), "p50-ms")
		b.ReportMetric(msf(p.P99), "p99-ms")
	}
	b.Run("profile-by-id", func(b *testing.B) {
		timed(b, func() {
			s := students[rand.IntN(len(students))]
			get(b, "/api/v1/onboarding/"+s.entity, s.token)
		})
	})
	b.Run("reviewer-queue", func(b *testing.B) {
		timed(b, func() {
			r := reviewers[rand.IntN(len(reviewers))]
			get(b, "/api/v1/reviews/assigned?limit=50", r.token)
		})
	})
	b.Run("admin-stats", func(b *testing.B) {
		timed(b, func() { get(b, "/api/v1/admin/stats", admins[0].token) })
	})
	// No endpoint lists profiles or fund applications by status yet; this
	// is the query such a list runs (a status, then a page after a cursor).
	for _, q := range []struct {
		name, table string
		states      []string
	}{
		{"list-profiles-by-status", "student_profiles", []string{"pending", "rejected", "needs_info", "verified"}},
		{"list-fund-by-status", "fund_applications", []string{"in_review", "rejected", "waitlisted", "screening"}},
	} {
		b.Run(q.name, func(b *testing.B) {
			timed(b, func() {
				var rows []map[string]any
				err := db.Raw(`SELECT * FROM `+q.table+` WHERE status = ? AND id > ? ORDER BY id LIMIT 51`,
					q.states[rand.IntN(len(q.states))], students[rand.IntN(len(students))].entity).Scan(&rows).Error
				require.NoError(b, err)
			})
		})
	}
}

// scaleSession is a signed-in seeded account and the entity it reads.
type scaleSession struct {
	token, entity string
}

// scaleSessions signs in the accounts query selects (columns id and
// entity) with bulk-inserted sessions.
func scaleSessions(b *testing.B, db *gorm.DB, query string, args ...any) []scaleSession {
	b.Helper()
	var rows []struct{ ID, Role, Entity string }
	require.NoError(b, db.Raw(`SELECT q.id, a.role, q.entity FROM (`+query+`) q JOIN accounts a ON a.id = q.id`, args...).Scan(&rows).Error)
	accts := make([]models.Account, len(rows))
	for i, r := range rows {
		accts[i] = models.Account{ID: r.ID, Role: r.Role}
	}
	toks, err := (&accounts.Sessions{DB: db}).StartMany(context.Background(), accts, 24*time.Hour)
	require.NoError(b, err)
	out := make([]scaleSession, len(rows))
	for i, r := range rows {
		out[i] = scaleSession{token: toks[i].Value, entity: r.Entity}
	}
	return out
}

// sampleEmails is n random seeded e-mails of prefix among the first upTo.
func sampleEmails(prefix string, upTo, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d@scale.campusbiz.test", prefix, 1+rand.IntN(upTo))
	}
	return out
}
