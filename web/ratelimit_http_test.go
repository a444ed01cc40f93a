package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// TestFormsShareTheSubmissionBudget: page forms spend the same per-account
// submission budget as the JSON API of their process (SUBMIT_RATE, 30 a
// minute by default); past it a form is refused with 429 and Retry-After
// and writes nothing.
func TestFormsShareTheSubmissionBudget(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	students, _ := fixtures.VerifiedStudents(t, s.schema.DB, 1)
	v := signIn(t, s, students[0])
	token := fixtures.Token(t, s.schema.DB, students[0])
	for i := range 30 { // each spends the budget, whatever the handler answers
		if i%2 == 0 {
			req, err := http.NewRequest(http.MethodPost, s.url+"/api/v1/shops/"+models.NewID()+"/recheck", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusNotFound, resp.StatusCode)
			continue
		}
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

// TestRegistrationFormIsRateLimitedPerIP: the register form spends the
// per-IP registration budget (LOGIN_RATE a minute) that the JSON API spends,
// one bucket in Redis; past it the form is refused with 429 and creates no
// account, and so is the API. The budget here is 4 a minute (one back every
// 15 s): registering hashes a password, slow under -race, and ten of them
// at the default rate could outlast the 6 s in which one comes back.
func TestRegistrationFormIsRateLimitedPerIP(t *testing.T) {
	t.Parallel()
	const budget = 4
	s := newSiteWith(t, app.Config{LoginRate: budget})
	register := func(i int) int {
		v := newVisitor(t, s)
		v.token = v.tokenOf("/register")
		status, _ := v.post("/register", url.Values{"email": {fmt.Sprintf("form%d@example.com", i)},
			"password": {"a-long-password"}, "name": {"Form"}})
		return status
	}
	registerJSON := func(i int) int {
		body := fmt.Sprintf(`{"email":"form%d@example.com","password":"a-long-password","name":"JSON"}`, i)
		resp, err := http.Post(s.url+"/api/v1/auth/register", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	created := 0
	for i := range budget {
		if i%2 == 0 {
			require.Equal(t, http.StatusCreated, registerJSON(i), "registration %d", i)
		} else {
			require.Equal(t, http.StatusSeeOther, register(i), "registration %d", i)
		}
		created++
	}
	require.Equal(t, http.StatusTooManyRequests, register(budget))
	require.Equal(t, http.StatusTooManyRequests, registerJSON(budget+1))
	var n int64
	require.NoError(t, s.schema.DB.Raw(`SELECT count(*) FROM accounts WHERE email LIKE 'form%'`).Scan(&n).Error)
	require.EqualValues(t, created, n, "the refused registration created no account")
}
