package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// TestFormsShareTheSubmissionBudget: page forms spend the same per-account
// submission budget as the API (SUBMIT_RATE, 30 a minute by default); past
// it a form is refused with 429 and Retry-After and writes nothing.
func TestFormsShareTheSubmissionBudget(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	students, _ := fixtures.VerifiedStudents(t, s.schema.DB, 1)
	v := signIn(t, s, students[0])
	for range 30 { // each spends the budget, whatever the handler answers
		status, _ := v.post("/shops/"+models.NewID()+"/recheck", url.Values{})
		require.Equal(t, http.StatusNotFound, status)
	}
	before := writes(t, s)
	resp, err := v.c.PostForm(s.url+"/shops", url.Values{"csrf": {v.token}, "platform_shop_id": {"tb-1"},
		"shop_url": {"https://shop.example.com/1"}, "shop_name": {"Shop"}, "category": {"clothing"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Equal(t, before, writes(t, s), "a refused form writes nothing")
}
