package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// The forms refuse text Postgres cannot store (NUL, invalid UTF-8) beside
// its field, never with a 500: the sign-in and registration forms, and a
// signed-in form.
func TestFormsRefuseUnstorableText(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	acct := fixtures.Account(t, s.schema.DB, models.RoleApplicant)
	for _, bad := range []string{"\x00", "a\x00@example.com", "\xff@example.com"} {
		v := newVisitor(t, s)
		v.token = v.tokenOf("/login")
		status, _ := v.post("/login", url.Values{"email": {bad}, "password": {fixtures.Password}})
		require.Less(t, status, 500, "sign-in with %q", bad)
		require.NotEqual(t, http.StatusSeeOther, status, "sign-in with %q", bad)

		v.token = v.tokenOf("/register")
		status, _ = v.post("/register", url.Values{"email": {bad}, "name": {"a\x00"}, "password": {"long enough password"}})
		require.Less(t, status, 500, "registration with %q", bad)
		status, _ = v.get("/login?next=%00&lang=" + url.QueryEscape(bad))
		require.Less(t, status, 500)
	}
	v := signIn(t, s, acct)
	status, body := v.post("/onboarding", url.Values{"full_name": {"王\x00芳"}, "major": {"\xff"}})
	require.Less(t, status, 500, body)
	var profiles int64
	require.NoError(t, s.schema.DB.Model(&models.StudentProfile{}).Count(&profiles).Error)
	require.Zero(t, profiles)
}
