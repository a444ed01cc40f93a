package web_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// fetch GETs path with the visitor's cookies and the given Accept and
// Accept-Language headers: status, Location, Content-Type and body.
func (v *visitor) fetch(path, accept, lang string) (status int, location, contentType, body string) {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.s.url+path, nil)
	require.NoError(v.t, err)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Language", lang)
	resp, err := v.c.Do(req)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	return resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Type"), string(b)
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestBrowsersGetErrorPages: a browser gets error pages in its language
// (an unknown URL: 404; a page its role may not open: 403), anonymous
// /monitoring sends it to sign in as /admin does, and an unknown serial's
// verify page says no such certificate exists; API clients keep JSON.
func TestBrowsersGetErrorPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	anon := newVisitor(t, s)

	status, _, ct, body := anon.fetch("/no/such/page", browserAccept, "zh-CN,zh;q=0.9")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, ct, "text/html")
	require.Contains(t, body, `<html lang="zh-CN">`)
	require.Contains(t, body, "没有这个页面。")
	_, _, _, body = anon.fetch("/no/such/page", browserAccept, "en-US,en;q=0.9")
	require.Contains(t, body, "There is no such page.")

	for _, path := range []string{"/no/such/page", "/api/v1/no/such"} {
		status, _, ct, _ = anon.fetch(path, "application/json", "")
		require.Equal(t, http.StatusNotFound, status, path)
		require.Contains(t, ct, "application/json", path)
	}
	status, _, ct, _ = anon.fetch("/api/v1/no/such", browserAccept, "")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, ct, "application/json", "the JSON API answers JSON even to a browser")

	for _, path := range []string{"/monitoring", "/admin"} {
		status, location, _, _ := anon.fetch(path, browserAccept, "zh-CN")
		require.Equal(t, http.StatusSeeOther, status, path)
		require.Equal(t, "/login?next=%2F"+path[1:], location, path)
	}
	status, _, ct, _ = anon.fetch("/monitoring", "application/json", "")
	require.Equal(t, http.StatusUnauthorized, status, "API clients keep the JSON 401")
	require.Contains(t, ct, "application/json")

	applicant := signIn(t, s, fixtures.Account(t, s.schema.DB, models.RoleApplicant))
	status, _, ct, body = applicant.fetch("/monitoring", browserAccept, "zh-CN")
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, ct, "text/html")
	require.Contains(t, body, "您的角色无权访问此页面。")

	status, _, _, body = anon.fetch("/verify/NOPE0-NOPE0-NOPE0-NOPE0-NOPE00", browserAccept, "zh-CN")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "没有此编号的证书。")
	require.Contains(t, body, `<form method="get" action="/verify"`, "with the form to try another serial")
}
