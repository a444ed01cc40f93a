package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// visitor is a cookie-keeping HTTP client signed in to the pages, with the
// CSRF token of its session.
type visitor struct {
	t     *testing.T
	s     *site
	c     *http.Client
	token string
}

// newVisitor is a signed-out visitor with its own cookies, who sees
// redirects rather than following them.
func newVisitor(t *testing.T, s *site) *visitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &visitor{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn signs acct in through the sign-in form.
func signIn(t *testing.T, s *site, acct models.Account) *visitor {
	t.Helper()
	v := newVisitor(t, s)
	v.token = v.tokenOf("/login")
	status, _ := v.post("/login", url.Values{"email": {acct.Email}, "password": {fixtures.Password}})
	require.Equal(t, http.StatusSeeOther, status, "sign in")
	v.token = v.tokenOf("/")
	return v
}

// get fetches path: its status and body.
func (v *visitor) get(path string) (int, string) {
	v.t.Helper()
	resp, err := v.c.Get(v.s.url + path)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	return resp.StatusCode, string(body)
}

// tokenOf is the CSRF token in the form of path.
func (v *visitor) tokenOf(path string) string {
	v.t.Helper()
	_, body := v.get(path)
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(v.t, m, "%s has a form with a token", path)
	return m[1]
}

// post sends form to path with the session's token.
func (v *visitor) post(path string, form url.Values) (int, string) {
	v.t.Helper()
	form.Set("csrf", v.token)
	return v.postRaw(path, form)
}

// postRaw sends form to path as it is.
func (v *visitor) postRaw(path string, form url.Values) (int, string) {
	v.t.Helper()
	resp, err := v.c.PostForm(v.s.url+path, form)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	return resp.StatusCode, string(body)
}

// fieldErr is the message shown beside the field id in body (as text,
// its HTML escapes read), "" if none.
func fieldErr(body, id string) string {
	marker := `id="` + id + `-err">`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return html.UnescapeString(rest[:strings.Index(rest, "<")])
}

// writes counts what forms can write, to show that a refused form wrote
// nothing.
func writes(t *testing.T, s *site) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"shops", "fund_programs", "fund_applications", "courses", "enrollments",
		"internship_places", "internship_applications", "match_rounds", "workflow_events", "outbox"} {
		out[table] = count(t, s, "SELECT count(*) FROM "+table)
	}
	var changed time.Time
	require.NoError(t, s.schema.DB.Raw(`SELECT greatest(
		(SELECT coalesce(max(updated_at), 'epoch') FROM shops), (SELECT coalesce(max(updated_at), 'epoch') FROM fund_applications),
		(SELECT coalesce(max(updated_at), 'epoch') FROM enrollments), (SELECT coalesce(max(updated_at), 'epoch') FROM internship_applications),
		(SELECT coalesce(max(revoked_at), 'epoch') FROM certificates), (SELECT coalesce(max(updated_at), 'epoch') FROM internship_places))`).Row().Scan(&changed))
	out["last change"] = int(changed.UnixMicro())
	return out
}

// TestNewFormsNeedTheirCSRFToken: every form this half adds, posted by a
// signed-in visitor of the right role without the token, is refused with
// 403 and writes nothing; the same post with the token goes through.
func TestNewFormsNeedTheirCSRFToken(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	ctx := context.Background()
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	student := students[0]
	shop := fixtures.VerifiedShops(t, db, students)[0]
	prog := fixtures.FundProgram(t, db, nil, nil)
	course := fixtures.Course(t, db, 60)
	place := s.createPlace("字节", "运营", "杭州", 2)
	// An application in review, written directly: no worker is busy with
	// it while the forms are refused.
	now := time.Now().UTC()
	application := models.FundApplication{ID: models.NewID(), ProgramID: prog.ID, AccountID: student.ID, ShopID: shop.ID, AmountFen: 100,
		BusinessPlan: "plan", Status: workflows.FundInReview, Reasons: []models.Reason{}, ScoreFactors: []models.ScoreFactor{},
		CreatedAt: now, UpdatedAt: now}
	require.NoError(t, db.Create(&application).Error)
	admin := fixtures.Account(t, db, models.RoleAdmin)
	enr, err := s.app.Enroll(ctx, app.ActorOf(student), course.ID)
	require.NoError(t, err)

	applicant, staff := signIn(t, s, student), signIn(t, s, admin)
	for _, tc := range []struct {
		who  *visitor
		path string
		form url.Values
	}{
		{applicant, "/shops", url.Values{"shop_name": {"店"}, "shop_url": {"https://a.invalid/"}, "platform_shop_id": {"p1"}, "category": {"tea"}}},
		{applicant, "/shops/" + shop.ID + "/recheck", url.Values{}},
		{applicant, "/fund", url.Values{"program_id": {prog.ID}, "shop_id": {shop.ID}, "amount": {"1"}, "business_plan": {"p"}}},
		{applicant, "/fund/" + application.ID + "/withdraw", url.Values{}},
		{applicant, "/courses/" + course.ID + "/enroll", url.Values{}},
		{applicant, "/internships", url.Values{"preferences": {place.ID}, "skills": {"Go"}}},
		{applicant, "/internships/" + application.ID + "/accept", url.Values{}},
		{applicant, "/internships/" + application.ID + "/decline", url.Values{}},
		{staff, "/admin/fund/programs", url.Values{"name": {"P2"}, "budget": {"100"}, "max_grant": {"10"}}},
		{staff, "/admin/courses", url.Values{"title": {"New"}, "pass_score": {"50"}}},
		{staff, "/admin/enrollments/" + enr.ID + "/result", url.Values{"score": {"90"}}},
		{staff, "/admin/certificates/revoke", url.Values{"serial": {"ABCD"}, "reason": {"r"}}},
		{staff, "/admin/shops/" + shop.ID + "/confirm", url.Values{"verified": {"false"}, "reason": {"r"}}},
		{staff, "/admin/places", url.Values{"company": {"c"}, "title": {"t"}, "city": {"x"}, "capacity": {"1"}}},
		{staff, "/admin/rounds", url.Values{}},
		{staff, "/admin/places/" + place.ID, url.Values{"capacity": {"9"}, "status": {"closed"}}},
	} {
		before := writes(t, s)
		status, body := tc.who.postRaw(tc.path, tc.form)
		require.Equal(t, http.StatusForbidden, status, tc.path)
		require.Contains(t, body, "表单已过期或来自其他网站", tc.path)
		tc.form.Set("csrf", "forged-"+tc.who.token[7:])
		status, _ = tc.who.postRaw(tc.path, tc.form)
		require.Equal(t, http.StatusForbidden, status, tc.path)
		require.Equal(t, before, writes(t, s), "%s: a refused form writes nothing", tc.path)
	}
	// With its token the form goes through (one of each kind).
	status, _ := applicant.post("/courses/"+course.ID+"/enroll", url.Values{})
	require.Equal(t, http.StatusConflict, status, "already enrolled: the domain answered")
	status, _ = staff.post("/admin/courses", url.Values{"title": {"New"}, "pass_score": {"50"}})
	require.Equal(t, http.StatusSeeOther, status)
}
