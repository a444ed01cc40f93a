package web_test

import (
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// statusOf polls /status with etag: the status and the ETag answered.
func (v *visitor) statusOf(etag string) (int, string) {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodGet, v.s.url+"/status", nil)
	require.NoError(v.t, err)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := v.c.Do(req)
	require.NoError(v.t, err)
	require.NoError(v.t, resp.Body.Close())
	return resp.StatusCode, resp.Header.Get("ETag")
}

// TestStatusAnswersWithETags: the live pages' poll answers 304 while the
// ETag is current and 200 with a new one once a workflow moves; the pages
// carry the version they were rendered at; only applicants poll.
func TestStatusAnswersWithETags(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	student, _ := fixtures.VerifiedStudent(t, s.schema.DB, "郑伟")
	v := signIn(t, s, student)
	status, etag := v.statusOf("")
	require.Equal(t, http.StatusOK, status)
	require.NotEmpty(t, etag)
	_, body := v.get("/dashboard")
	require.Contains(t, body, `data-live=`+etag, "the page carries its version")
	status, again := v.statusOf(etag)
	require.Equal(t, http.StatusNotModified, status)
	require.Equal(t, etag, again)

	s.delayedShop(student, app.ShopInput{PlatformShopID: "tb-41", ShopURL: "https://wei.invalid/", ShopName: "郑伟书店", Category: "books"})
	status, moved := v.statusOf(etag)
	require.Equal(t, http.StatusOK, status, "a new workflow changes the version")
	require.NotEqual(t, etag, moved)

	reviewer := signIn(t, s, fixtures.Account(t, s.schema.DB, models.RoleReviewer))
	status, _ = reviewer.statusOf("")
	require.Equal(t, http.StatusForbidden, status)
	_, body = reviewer.get("/reviews")
	require.NotContains(t, body, "data-live")
}
