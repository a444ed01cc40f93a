package web_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/stretchr/testify/require"
)

// The home page's verified-students figure comes from the trigger-kept
// state counts (models.CountInState), not a count(*) of profiles, and
// follows verifications.
func TestHomeCountsVerifiedStudents(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	home := func() string {
		resp, err := http.Get(s.url + "/")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return string(body)
	}
	require.Contains(t, home(), `<strong id="students">0</strong>`)
	fixtures.VerifiedStudents(t, s.schema.DB, 3)
	require.Contains(t, home(), `<strong id="students">3</strong>`)
}
