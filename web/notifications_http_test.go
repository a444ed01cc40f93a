package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// TestNotificationsPage: the header counts unread notifications on every
// page; the notifications page lists them in the page's language; one and
// then all are marked read (another person's id: 404, nothing changed).
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	owner := fixtures.Account(t, s.schema.DB, models.RoleApplicant)
	other := fixtures.Account(t, s.schema.DB, models.RoleApplicant)
	ids := fixtures.Notifications(t, s.schema.DB, owner, 2)
	theirs := fixtures.Notifications(t, s.schema.DB, other, 1)
	v := signIn(t, s, owner)

	status, body := v.get("/dashboard")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `id="unread-count">2 条未读`, "the header counts the unread")
	status, body = v.get("/notifications")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "网店认证：已认证", "listed in Chinese")
	require.Equal(t, 2, strings.Count(body, `class="unread"`))

	status, _ = v.post("/notifications/"+ids[0]+"/read", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	_, body = v.get("/notifications")
	require.Equal(t, 1, strings.Count(body, `class="unread"`))
	require.Contains(t, body, `id="unread-count">1 条未读`)

	status, _ = v.post("/notifications/"+theirs[0]+"/read", url.Values{})
	require.Equal(t, http.StatusNotFound, status, "another person's notification")
	status, _ = v.postRaw("/notifications/read", url.Values{})
	require.Equal(t, http.StatusForbidden, status, "no CSRF token")

	status, _ = v.post("/notifications/read", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	_, body = v.get("/notifications?lang=en")
	require.NotContains(t, body, `class="unread"`)
	require.NotContains(t, body, "unread-count")
	require.Contains(t, body, "shop verification: verified", "listed in English after the switch")

	var lang string
	require.NoError(t, s.schema.DB.Raw(`SELECT lang FROM accounts WHERE id = ?`, owner.ID).Row().Scan(&lang))
	require.Equal(t, "en", lang, "the switch is remembered on the account, for e-mails")
	var unread int
	require.NoError(t, s.schema.DB.Raw(`SELECT count(*) FROM notifications WHERE account_id = ? AND read_at IS NULL`, other.ID).Row().Scan(&unread))
	require.Equal(t, 1, unread)
}
