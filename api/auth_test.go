package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

func TestRegisterLoginMeLogout(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	r := a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{
		"email": "Li.Hua@Example.com", "password": "a-long-password", "name": "李华"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, "li.hua@example.com", r.JSON(t)["email"])
	require.Equal(t, "applicant", r.JSON(t)["role"])
	require.NotContains(t, string(r.Body), "password")

	r = a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{
		"email": "li.hua@example.com", "password": "another-password", "name": "Li"})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, "conflict", r.Error(t)["code"])

	r = a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "li.hua@example.com", "password": "wrong-password"})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, "unauthenticated", r.Error(t)["code"])

	r = a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "LI.HUA@example.com", "password": "a-long-password"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	token := r.JSON(t)["token"].(string)
	require.NotEmpty(t, r.JSON(t)["expires_at"])
	require.Contains(t, r.Header.Get("Set-Cookie"), application.SessionCookie+"=")
	require.Contains(t, r.Header.Get("Set-Cookie"), "HttpOnly")
	require.Zero(t, a.count(`SELECT count(*) FROM sessions WHERE token_hash = convert_to(?, 'UTF8')`, token), "tokens are stored hashed")

	r = a.do(http.MethodGet, "/api/v1/me", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "李华", r.JSON(t)["name"])

	r = a.do(http.MethodPost, "/api/v1/auth/logout", token, nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	r = a.do(http.MethodGet, "/api/v1/me", token, nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, "unauthenticated", r.Error(t)["code"])

	r = a.do(http.MethodGet, "/api/v1/me", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = a.do(http.MethodGet, "/api/v1/me", "not-a-token", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
}

func TestRolesGuardAdminRoutes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, applicant := a.user(models.RoleApplicant)
	_, reviewer := a.user(models.RoleReviewer)
	_, admin := a.user(models.RoleAdmin)
	newReviewer := map[string]any{"email": "rev@example.com", "password": "reviewer-password", "name": "Rev", "role": "reviewer"}
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/api/v1/admin/stats", nil},
		{http.MethodPost, "/api/v1/admin/accounts", newReviewer},
		{http.MethodPost, "/api/v1/admin/colleges", map[string]any{"name": "X", "province": "Y", "email_domains": []string{"x.edu.cn"}}},
	} {
		for _, tok := range []string{applicant, reviewer} {
			r := a.do(tc.method, tc.path, tok, tc.body)
			require.Equal(t, http.StatusForbidden, r.Status, "%s %s", tc.method, tc.path)
			require.Equal(t, "forbidden", r.Error(t)["code"])
		}
		r := a.do(tc.method, tc.path, "", tc.body)
		require.Equal(t, http.StatusUnauthorized, r.Status)
	}
	require.Equal(t, 0, a.count(`SELECT count(*) FROM accounts WHERE email = 'rev@example.com'`))

	r := a.do(http.MethodPost, "/api/v1/admin/accounts", admin, newReviewer)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, "reviewer", r.JSON(t)["role"])
	r = a.do(http.MethodPost, "/api/v1/admin/accounts", admin, map[string]any{
		"email": "x@example.com", "password": "reviewer-password", "name": "X", "role": "applicant"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Contains(t, r.Error(t)["fields"], "role")
	r = a.do(http.MethodGet, "/api/v1/admin/stats", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, r.JSON(t), "outbox")
}

func TestBadInputGetsClearErrorsAndWritesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	huge := `{"email":"a@example.com","password":"` + strings.Repeat("x", 2<<20) + `","name":"A"}`
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed JSON", `{"email": "a@example.com",`, http.StatusBadRequest, "bad_request", ""},
		{"not an object", `[1,2,3]`, http.StatusBadRequest, "bad_request", ""},
		{"empty body", ``, http.StatusBadRequest, "bad_request", ""},
		{"two objects", `{"email":"a@example.com","password":"a-long-password","name":"A"}{}`, http.StatusBadRequest, "bad_request", ""},
		{"missing field", map[string]any{"email": "a@example.com", "password": "a-long-password"}, http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"wrong type", map[string]any{"email": "a@example.com", "password": 12345678901, "name": "A"}, http.StatusUnprocessableEntity, "validation_failed", "password"},
		{"unknown field", map[string]any{"email": "a@example.com", "password": "a-long-password", "name": "A", "role": "admin"}, http.StatusUnprocessableEntity, "validation_failed", "role"},
		{"bad e-mail", map[string]any{"email": "not-an-email", "password": "a-long-password", "name": "A"}, http.StatusUnprocessableEntity, "validation_failed", "email"},
		{"short password", map[string]any{"email": "a@example.com", "password": "short", "name": "A"}, http.StatusUnprocessableEntity, "validation_failed", "password"},
		{"oversized field", map[string]any{"email": "a@example.com", "password": "a-long-password", "name": strings.Repeat("名", 101)}, http.StatusUnprocessableEntity, "validation_failed", "name"},
		{"2 MiB body", huge, http.StatusRequestEntityTooLarge, "too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(http.MethodPost, "/api/v1/auth/register", "", tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			e := r.Error(t)
			require.Equal(t, tc.code, e["code"])
			if tc.field != "" {
				require.Contains(t, e["fields"], tc.field)
			}
		})
	}
	require.Zero(t, a.count(`SELECT count(*) FROM accounts`), "nothing written")
}

func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.LoginRate = 4 })
	acct := fixtures.Account(t, a.schema.DB, models.RoleApplicant)
	var last response
	for range 10 {
		last = a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": acct.Email, "password": "wrong-password!"})
		if last.Status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusUnauthorized, last.Status)
	}
	require.Equal(t, http.StatusTooManyRequests, last.Status)
	require.Equal(t, "rate_limited", last.Error(t)["code"])
	require.NotEmpty(t, last.Header.Get("Retry-After"))
	// Another account from another address is not affected by this account's limit... but
	// the same address is: the per-IP bucket is shared across accounts.
	r := a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "other@example.com", "password": "x"})
	require.Equal(t, http.StatusTooManyRequests, r.Status)
}

func TestRegistrationIsRateLimitedPerIP(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.LoginRate = 4 })
	var last response
	created := 0
	for i := range 10 {
		last = a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{
			"email": fmt.Sprintf("flood%d@example.com", i), "password": "a-long-password", "name": "Flood"})
		if last.Status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusCreated, last.Status, string(last.Body))
		created++
	}
	require.Equal(t, http.StatusTooManyRequests, last.Status)
	require.Equal(t, "rate_limited", last.Error(t)["code"])
	require.NotEmpty(t, last.Header.Get("Retry-After"))
	require.Equal(t, created, a.count(`SELECT count(*) FROM accounts WHERE email LIKE 'flood%'`), "the refused registration wrote nothing")
}
