package api_test

import (
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// TestNotificationsMarkedRead: the unread count, marking one read (again:
// no change; another's: 404, nothing changed) and marking all read.
func TestNotificationsMarkedRead(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	owner, token := a.user(models.RoleApplicant)
	other, otherToken := a.user(models.RoleApplicant)
	ids := fixtures.Notifications(t, a.schema.DB, owner, 3)
	theirs := fixtures.Notifications(t, a.schema.DB, other, 1)
	unread := func(token string) float64 {
		r := a.do(http.MethodGet, "/api/v1/me/notifications/unread", token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		return r.JSON(t)["unread"].(float64)
	}
	require.Equal(t, float64(3), unread(token))

	for range 2 { // marking again changes nothing
		r := a.do(http.MethodPost, "/api/v1/me/notifications/"+ids[0]+"/read", token, nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		require.Equal(t, float64(2), unread(token))
	}
	for _, id := range []string{theirs[0], "not-an-id", models.NewID()} {
		r := a.do(http.MethodPost, "/api/v1/me/notifications/"+id+"/read", token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, id)
	}
	require.Equal(t, float64(1), unread(otherToken), "another's notification stays unread")

	items := a.do(http.MethodGet, "/api/v1/me/notifications", token, nil).JSON(t)["items"].([]any)
	read := map[string]bool{}
	for _, it := range items {
		n := it.(map[string]any)
		read[n["id"].(string)] = n["read_at"] != nil
	}
	require.Equal(t, map[string]bool{ids[0]: true, ids[1]: false, ids[2]: false}, read)

	r := a.do(http.MethodPost, "/api/v1/me/notifications/read", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, float64(2), r.JSON(t)["marked"])
	require.Equal(t, float64(0), unread(token))
	require.Equal(t, float64(0), a.do(http.MethodPost, "/api/v1/me/notifications/read", token, nil).JSON(t)["marked"])
	require.Equal(t, float64(1), unread(otherToken))
}

// TestRegisterRemembersLanguage: an account registered through the API
// speaks the client's language (Chinese when the client names none).
func TestRegisterRemembersLanguage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for email, lang := range map[string]string{"en@example.com": "en-GB,en;q=0.9", "zh@example.com": "", "zh2@example.com": "zh-CN"} {
		r := a.doLang(lang, http.MethodPost, "/api/v1/auth/register", "",
			map[string]any{"email": email, "password": "a-long-password", "name": "新用户"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var acct models.Account
		require.NoError(t, a.schema.DB.Take(&acct, "email = ?", email).Error)
		want := "zh"
		if email == "en@example.com" {
			want = "en"
		}
		require.Equal(t, want, acct.Lang, email)
	}
}

// TestMessagesShowTimesInTheZone: a time inside a message reads in the
// TIME_ZONE (Beijing by default); the JSON fields stay RFC 3339.
func TestMessagesShowTimesInTheZone(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	reviewer, token := a.user(models.RoleReviewer)
	var event int64
	require.NoError(t, a.schema.DB.Raw(`INSERT INTO workflow_events (entity_type, entity_id, to_state, actor)
		VALUES ('fund', ?, 'in_review', 'test') RETURNING id`, models.NewID()).Row().Scan(&event))
	require.NoError(t, a.schema.DB.Exec(`INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, code, params)
		VALUES (?, ?, ?, 'fund', ?, ?, '{"due": "2026-12-06T16:00:00Z"}')`,
		models.NewID(), reviewer.ID, event, models.NewID(), msg.NoticeReviewAssigned).Error)
	n := a.do(http.MethodGet, "/api/v1/me/notifications", token, nil).JSON(t)["items"].([]any)[0].(map[string]any)
	require.Contains(t, n["body"], "2026-12-07 00:00 UTC+08:00")
	require.Regexp(t, `Z$`, n["created_at"])
}
