package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestFormPostsNeedTheirCSRFToken: without its token, with a token of
// another browser, or with none at all, a form is refused with 403 and
// writes nothing; with its own token it works. The JSON API never takes
// the page cookie.
func TestFormPostsNeedTheirCSRFToken(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := func() (*http.Client, string) {
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(s.url + "/register")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		m := csrfInput.FindSubmatch(body)
		require.NotNil(t, m, "the form carries a token")
		return c, string(m[1])
	}
	alice, aliceToken := browser()
	_, otherToken := browser()
	post := func(c *http.Client, token string) int {
		form := url.Values{"name": {"Alice"}, "email": {"alice@example.com"}, "password": {"a-long-password"}}
		if token != "" {
			form.Set("csrf", token)
		}
		resp, err := c.PostForm(s.url+"/register", form)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusForbidden, post(alice, ""))
	require.Equal(t, http.StatusForbidden, post(alice, otherToken))
	require.Equal(t, http.StatusForbidden, post(http.DefaultClient, aliceToken))
	require.Zero(t, count(t, s, "SELECT count(*) FROM accounts"))

	require.Equal(t, http.StatusSeeOther, post(alice, aliceToken))
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM accounts"))
	resp, err := alice.Get(s.url + "/api/v1/me")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the API ignores the page cookie")
	// Once signed in, the token is bound to the session: the old one fails.
	resp, err = alice.PostForm(s.url+"/logout", url.Values{"csrf": {aliceToken}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}
