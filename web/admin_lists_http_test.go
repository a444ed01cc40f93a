package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// The admin list pages filter, count and page; a bad filter shows beside
// its field; the shop list decides ticked shops together; exports download;
// the audit page lists what was done; only admins open any of it.
func TestAdminListPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	students, college := fixtures.VerifiedStudents(t, db, 3)
	shops := fixtures.VerifiedShops(t, db, students)
	require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending' WHERE id IN ?`, []string{shops[0].ID, shops[1].ID}).Error)

	status, body := admin.get("/admin/lists/students?lang=en&limit=2&college_id=" + college.ID)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<strong>3</strong> found")
	require.Contains(t, body, `rel="next"`)
	require.Equal(t, 2, strings.Count(body, "<tr><td>"))
	status, body = admin.get("/admin/lists/fund-applications?lang=en&status=lost&from=x")
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.NotEmpty(t, fieldErr(body, "f-from"))
	require.Contains(t, body, "must be one of")
	status, _ = admin.get("/admin/lists/passwords")
	require.Equal(t, http.StatusNotFound, status)

	token := admin.token
	require.NotEmpty(t, token)
	status, body = admin.post("/admin/shops/bulk?lang=en", url.Values{"shop_ids": {shops[0].ID, shops[1].ID, shops[2].ID}, "verified": {"true"}})
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "2 of 3 shops were decided.")
	require.Equal(t, 0, count(t, s, "SELECT count(*) FROM shops WHERE status = 'pending'"))
	status, body = admin.post("/admin/shops/bulk?lang=en", url.Values{"shop_ids": {shops[0].ID}, "verified": {"false"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.NotEmpty(t, body)
	status, _ = admin.postRaw("/admin/shops/bulk", url.Values{"shop_ids": {shops[0].ID}, "verified": {"true"}})
	require.Equal(t, http.StatusForbidden, status, "no CSRF token")

	status, body = admin.get("/admin/exports/certificates.csv")
	require.Equal(t, http.StatusOK, status)
	require.True(t, strings.HasPrefix(body, "\uFEFFserial,student,email,course"))

	status, body = admin.get("/admin/audit?lang=en")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 2, strings.Count(body, "<code>shop.confirm</code>"))

	paths := []string{"/admin/lists/students", "/admin/audit", "/admin/import", "/admin/import/" + models.NewID(), "/admin/exports/ledger.csv"}
	for _, v := range []*visitor{signIn(t, s, students[0]), signIn(t, s, fixtures.Reviewer(t, db, ""))} {
		for _, path := range paths {
			status, _ := v.get(path)
			require.Equal(t, http.StatusForbidden, status, path)
		}
		status, _ := v.post("/admin/shops/bulk", url.Values{"shop_ids": {shops[2].ID}, "verified": {"true"}})
		require.Equal(t, http.StatusForbidden, status)
	}
	for _, path := range paths {
		status, _ := newVisitor(t, s).get(path)
		require.Equal(t, http.StatusSeeOther, status, "%s: to the sign-in page", path)
	}
}

// The import page uploads a CSV file: each bad row is listed and nothing is
// recorded, or every result is.
func TestImportPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	course := fixtures.Course(t, db, 60)
	students, _ := fixtures.VerifiedStudents(t, db, 2)
	var ids []string
	for _, st := range students {
		e, err := fixtures.App(db).Enroll(context.Background(), app.ActorOf(st), course.ID)
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	// upload posts file and follows the import's progress page until it is done.
	upload := func(file string) string {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		require.NoError(t, w.WriteField("csrf", admin.token))
		fw, err := w.CreateFormFile("file", "results.csv")
		require.NoError(t, err)
		_, err = io.WriteString(fw, file)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		resp, err := admin.c.Post(s.url+"/admin/import?lang=en", w.FormDataContentType(), &buf)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		page := resp.Header.Get("Location")
		require.Regexp(t, `^/admin/import/[0-9a-f-]{36}$`, page)
		var body string
		testenv.WaitFor(t, 10*time.Second, "the import finishes", func() bool {
			var status int
			status, body = admin.get(page + "?lang=en")
			require.Equal(t, http.StatusOK, status)
			return !strings.Contains(body, "<progress")
		})
		other := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
		status, _ := other.get(page)
		require.Equal(t, http.StatusNotFound, status, "another admin's import")
		return body
	}
	body := upload(fmt.Sprintf("enrollment_id,score\n%s,80\n%s,200\n", ids[0], ids[1]))
	require.Contains(t, body, "<td>3</td><td>score</td><td>must be a whole number from 0 to 100</td>")
	require.Contains(t, body, "Nothing was recorded: 1 rows have errors.")
	require.Equal(t, 2, count(t, s, "SELECT count(*) FROM enrollments WHERE status = 'enrolled'"))
	body = upload(fmt.Sprintf("enrollment_id,score\n%s,80\n%s,20\n", ids[0], ids[1]))
	require.Contains(t, body, "2 results were recorded.")
	require.Equal(t, 0, count(t, s, "SELECT count(*) FROM enrollments WHERE status = 'enrolled'"))
}
