package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// TestLoadgenAgainstTheRealApp runs loadgen for two seconds against the real
// app over HTTP with workers, two reviewers approving every fund application,
// and checks that its summary adds up and agrees with the database: the
// first ten applications are paid and the rest waitlisted (the budget holds
// ten grants).
func TestLoadgenAgainstTheRealApp(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.LoginRate, d.App.Config.SubmitRate = 100_000, 100_000 })
	a.startWorkers(func(d *workers.Deps) { d.ShopVerification = workflows.ShopModeManual })
	db := a.schema.DB
	other, _ := fixtures.College(t, db)
	home, _ := fixtures.College(t, db)
	reviewers := []models.Account{fixtures.Reviewer(t, db, other.ID), fixtures.Reviewer(t, db, other.ID)}
	fixtures.FundProgram(t, db, nil, nil)
	admin := fixtures.Account(t, db, models.RoleAdmin)
	_, adminToken := a.user(models.RoleAdmin)
	place := a.do(http.MethodPost, "/api/v1/admin/internships", adminToken,
		map[string]any{"company": "Yiwu Trade", "title": "Live-stream assistant", "city": "Yiwu", "skills": []string{"live-streaming"}, "capacity": 3})
	require.Equal(t, http.StatusCreated, place.Status, string(place.Body))

	srv := httptest.NewServer(a.e)
	t.Cleanup(srv.Close)
	_, err := loadgen.Run(context.Background(), loadgen.Config{BaseURL: srv.URL, Count: 1, CollegeID: models.NewID()})
	require.ErrorContains(t, err, "not found", "an unknown college stops the run before it starts")
	var progress strings.Builder
	s, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: srv.URL, Concurrency: 3, CollegeID: home.ID, Duration: 2 * time.Second, Settle: 20 * time.Second,
		AdminEmail: admin.Email, AdminPassword: fixtures.Password, Progress: &progress, Tick: 100 * time.Millisecond,
		Reviewers: []loadgen.Login{{Email: reviewers[0].Email, Password: fixtures.Password}, {Email: reviewers[1].Email, Password: fixtures.Password}},
		Mailbox:   a.mail,
	})
	require.NoError(t, err)

	n := s.Started
	require.Positive(t, n)
	require.Equal(t, n, s.Completed+s.Failed)
	require.Zero(t, s.Failed, "failures: %v", s.Failures)
	require.Empty(t, s.Skipped)
	var total int64
	for _, e := range s.Endpoints {
		total += e.Requests
		require.Zero(t, e.Errors, e.Name)
		require.LessOrEqual(t, e.P50, e.P95, e.Name)
		require.LessOrEqual(t, e.P95, e.P99, e.Name)
		require.LessOrEqual(t, e.P99, e.Max, e.Name)
	}
	require.Equal(t, total, s.Requests())
	for _, step := range []string{"register", "login", "onboard", "email code", "internship apply", "shop", "shop confirm", "fund apply"} {
		require.Equal(t, n, s.Endpoint(step).Requests, step)
	}
	require.Equal(t, 2*n, s.Endpoint("fund review").Requests, "each application reviewed by both")
	require.Equal(t, map[string]int64{"awaiting_email": n}, s.Workflow("onboarding").States, "the automatic decision")
	var verified int64
	require.NoError(t, db.Raw(`SELECT count(*) FROM student_profiles WHERE status = 'verified'`).Row().Scan(&verified))
	require.Equal(t, n, verified, "each confirmed the code from its mail")
	require.Equal(t, map[string]int64{"verified": n}, s.Workflow("shop").States)
	require.Equal(t, map[string]int64{"in_review": n}, s.Workflow("fund").States)
	t.Logf("%d applicants", n)
	paid := min(n, 10) // 1,000,000 fen of budget, 100,000 fen a grant
	decided := map[string]int64{"disbursed": paid}
	if n > paid {
		decided["waitlisted"] = n - paid
	}
	require.Equal(t, decided, s.Workflow("fund after reviews").States)
	// Every status read was one of the polls counted above.
	require.GreaterOrEqual(t, s.Endpoint("GET /onboarding/{id}").Requests, n)

	// The database saw exactly what loadgen reports.
	require.EqualValues(t, n, a.count(`SELECT count(*) FROM student_profiles WHERE status = 'verified' AND college_id = ?`, home.ID))
	require.EqualValues(t, n, a.count(`SELECT count(*) FROM internship_applications`))
	require.EqualValues(t, paid, a.count(`SELECT count(*) FROM fund_applications WHERE status = 'disbursed'`))
	require.EqualValues(t, 2*n, a.count(`SELECT count(*) FROM fund_reviews WHERE status = 'done'`))
	require.Contains(t, progress.String(), "\rloadgen ")
	require.Contains(t, progress.String(), fmt.Sprintf("applicants: %d started, %d done, 0 failed", n, n), "the last line is the final count")
}
