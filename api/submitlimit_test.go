package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// TestSubmissionsAreRateLimitedPerAccount spends an applicant's budget on
// POST /shops: the request past it is a 429 with Retry-After and writes
// nothing, while another applicant and an admin (ten times the budget)
// still get through.
func TestSubmissionsAreRateLimitedPerAccount(t *testing.T) {
	t.Parallel()
	const rate = 3
	a := newApp(t, func(d *appDeps) { d.App.Config.SubmitRate = rate })
	acct, _ := fixtures.VerifiedStudent(t, a.schema.DB, "李同学")
	token := fixtures.Token(t, a.schema.DB, acct)
	shop := func(token string, n int) response {
		return a.do(http.MethodPost, "/api/v1/shops", token, map[string]any{
			"platform_shop_id": fmt.Sprintf("limit-%s-%d", token[:8], n), "shop_url": fmt.Sprintf("https://limit%d.example.com/", n),
			"shop_name": "小店", "category": "crafts"})
	}
	for i := range rate {
		r := shop(token, i)
		require.Equal(t, http.StatusAccepted, r.Status, "submission %d: %s", i+1, r.Body)
	}
	shops := a.count(`SELECT count(*) FROM shops WHERE account_id = ?`, acct.ID)
	outbox := a.count(`SELECT count(*) FROM outbox`)
	events := a.count(`SELECT count(*) FROM workflow_events`)
	require.Equal(t, rate, shops)

	r := shop(token, rate)
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.Equal(t, "rate_limited", r.Error(t)["code"])
	wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", r.Header.Get("Retry-After"))
	require.Positive(t, wait)
	require.LessOrEqual(t, wait, 60/rate+1)
	// Another submission route shares the same budget.
	r = a.do(http.MethodPost, "/api/v1/onboarding", token, map[string]any{})
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the budget covers every submission route")
	require.Equal(t, shops, a.count(`SELECT count(*) FROM shops WHERE account_id = ?`, acct.ID), "nothing past the limit was written")
	require.Equal(t, outbox, a.count(`SELECT count(*) FROM outbox`))
	require.Equal(t, events, a.count(`SELECT count(*) FROM workflow_events`))

	other, _ := fixtures.VerifiedStudent(t, a.schema.DB, "王同学")
	r = shop(fixtures.Token(t, a.schema.DB, other), 0)
	require.Equal(t, http.StatusAccepted, r.Status, "the budget is per account: %s", r.Body)
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/api/v1/me", token, nil).Status, "reads are not limited")

	_, admin := a.user(models.RoleAdmin)
	for i := range rate + 1 {
		r := a.do(http.MethodPost, "/api/v1/admin/courses", admin, map[string]any{"title": fmt.Sprintf("Course %d", i), "pass_score": 60})
		require.Equal(t, http.StatusCreated, r.Status, "admins have a higher budget: %s", r.Body)
	}
}
