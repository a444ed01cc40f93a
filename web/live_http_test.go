package web_test

import (
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
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

// TestPageCarriesTheVersionFromBeforeItsContent: a workflow that moves
// while the dashboard is being read leaves the page with the version from
// before the move, so the next poll answers 200 and the page refreshes;
// read the other way round, the page would show the old state under the
// new version and every poll would answer 304 for good.
func TestPageCarriesTheVersionFromBeforeItsContent(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	student, prof := fixtures.VerifiedStudent(t, s.schema.DB, "冯雪")
	v := signIn(t, s, student)

	// The worker's move lands just after the page has read the profile.
	var armed atomic.Bool
	require.NoError(t, s.schema.DB.Callback().Query().After("gorm:query").Register("test:move_profile",
		func(tx *gorm.DB) {
			if tx.Statement.Table == "student_profiles" && armed.CompareAndSwap(true, false) {
				require.NoError(t, s.schema.DB.Exec(`UPDATE student_profiles SET status = 'revoked' WHERE id = ?`, prof.ID).Error)
			}
		}))
	armed.Store(true)
	_, body := v.get("/dashboard")
	require.False(t, armed.Load(), "the dashboard read the profile")
	require.Contains(t, body, `data-state="verified"`, "the page shows the state it read")
	m := regexp.MustCompile(`data-live="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, m, 2, "the page carries a version")
	status, _ := v.statusOf(`"` + m[1] + `"`)
	require.Equal(t, http.StatusOK, status, "the poll sees the move the page missed")
}
