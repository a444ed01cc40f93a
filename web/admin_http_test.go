package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// TestAdminProgramFormTakesYuanExactly: the programme form converts yuan to
// fen exactly, answers the API's messages beside the fields (nothing
// written), and is for admins only.
func TestAdminProgramFormTakesYuanExactly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	reviewer := fixtures.Reviewer(t, db, "")
	form := func(change func(url.Values)) url.Values {
		f := url.Values{"name": {"2026 秋季创业基金"}, "budget": {"1000000.29"}, "max_grant": {"20000.01"},
			"reviewers_per_application": {"1"}, "approvals_required": {"1"}, "min_mean_score": {"6.5"},
			"opens_at": {"2026-09-01T00:00"}, "closes_at": {"2027-06-30T23:59"}, "reviewer_ids": {reviewer.ID}}
		if change != nil {
			change(f)
		}
		return f
	}
	for _, tc := range []struct {
		change      func(url.Values)
		field, want string
	}{
		{func(f url.Values) { f.Set("budget", "12.345") }, "budget", "must be an amount in yuan such as 1234.50"},
		{func(f url.Values) { f.Set("budget", "0") }, "budget", "must be an amount from 0.01 yuan to 1,000,000,000,000.00 yuan"},
		{func(f url.Values) { f.Del("max_grant") }, "max_grant", "is required"},
		{func(f url.Values) { f.Set("reviewers_per_application", "two") }, "reviewers_per_application", "must be a whole number"},
		{func(f url.Values) { f.Set("opens_at", "next monday") }, "opens_at", "must be an RFC 3339 time such as 2026-09-01T00:00:00+08:00"},
		{func(f url.Values) { f.Set("closes_at", "2026-08-01T00:00") }, "closes_at", "must be after the opening time"},
		{func(f url.Values) { f.Set("reviewer_ids", "not-an-id") }, "reviewer_ids", "must be an id from this system"},
	} {
		status, body := admin.post("/admin/fund/programs?lang=en", form(tc.change))
		require.Equal(t, http.StatusUnprocessableEntity, status, tc.want)
		require.Equal(t, tc.want, fieldErr(body, tc.field), tc.want)
	}
	// The same messages on the Chinese page are Chinese, the web's own money messages included.
	for _, tc := range []struct {
		change      func(url.Values)
		field, want string
	}{
		{func(f url.Values) { f.Set("budget", "12.345") }, "budget", "须为以元为单位的金额，例如 1234.50"},
		{func(f url.Values) { f.Set("budget", "0") }, "budget", "金额须在 0.01 元到 1,000,000,000,000.00 元之间"},
		{func(f url.Values) { f.Del("max_grant") }, "max_grant", "必填"},
		{func(f url.Values) { f.Set("closes_at", "2026-08-01T00:00") }, "closes_at", "须晚于开始时间"},
		{func(f url.Values) { f.Set("opens_at", "next monday") }, "opens_at", "须为有效的日期时间（RFC 3339 格式，例如 2026-09-01T00:00:00+08:00）"},
	} {
		status, body := admin.post("/admin/fund/programs?lang=zh", form(tc.change))
		require.Equal(t, http.StatusUnprocessableEntity, status, tc.want)
		require.Equal(t, tc.want, fieldErr(body, tc.field), tc.want)
	}
	require.Zero(t, count(t, s, "SELECT count(*) FROM fund_programs"), "a refused form writes nothing")

	status, _ := admin.post("/admin/fund/programs", form(nil))
	require.Equal(t, http.StatusSeeOther, status)
	var p models.FundProgram
	require.NoError(t, db.Take(&p).Error)
	require.Equal(t, int64(100_000_029), p.BudgetFen)
	require.Equal(t, int64(2_000_001), p.MaxGrantFen)
	require.Equal(t, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), p.OpensAt.UTC())
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM fund_panel"))
	status, body := admin.post("/admin/fund/programs?lang=en", form(nil))
	require.Equal(t, http.StatusConflict, status, "a taken name")
	require.Contains(t, body, "exists")

	students, _ := fixtures.VerifiedStudents(t, db, 1)
	status, _ = signIn(t, s, students[0]).post("/admin/fund/programs", form(func(f url.Values) { f.Set("name", "x") }))
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM fund_programs"))
}

// TestAdminTrainingForms: create a course, record a result (the API's range
// beside the row's field, then a pass that issues the certificate), revoke
// the certificate.
func TestAdminTrainingForms(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))

	status, body := admin.post("/admin/courses?lang=en", url.Values{"title": {"直播带货"}, "pass_score": {"abc"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "must be a whole number", fieldErr(body, "pass_score"))
	status, body = admin.post("/admin/courses?lang=en", url.Values{"title": {"直播带货"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is required", fieldErr(body, "pass_score"))
	require.Zero(t, count(t, s, "SELECT count(*) FROM courses"))
	status, _ = admin.post("/admin/courses", url.Values{"title": {"直播带货"}, "pass_score": {"70"}, "description": {"Live selling."}})
	require.Equal(t, http.StatusSeeOther, status)
	var course models.Course
	require.NoError(t, db.Take(&course).Error)
	require.Equal(t, 70, course.PassScore)
	status, body = admin.post("/admin/courses?lang=en", url.Values{"title": {"直播带货"}, "pass_score": {"70"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "a course with this title exists", fieldErr(body, "title"))

	holder, _ := fixtures.VerifiedStudent(t, db, "陈静")
	enr, err := s.app.Enroll(context.Background(), app.ActorOf(holder), course.ID)
	require.NoError(t, err)
	_, body = admin.get("/admin/training")
	require.Contains(t, body, `action="/admin/enrollments/`+enr.ID+`/result"`, "the enrollment awaits its result")
	status, body = admin.post("/admin/enrollments/"+enr.ID+"/result?lang=en", url.Values{"score": {"101"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "must be at most 100", fieldErr(body, "score-"+enr.ID))
	status, _ = admin.post("/admin/enrollments/00000000-0000-4000-8000-000000000000/result", url.Values{"score": {"80"}})
	require.Equal(t, http.StatusNotFound, status)
	status, _ = admin.post("/admin/enrollments/"+enr.ID+"/result", url.Values{"score": {"80"}})
	require.Equal(t, http.StatusSeeOther, status)
	var serial string
	testenv.WaitFor(t, 20*time.Second, "the certificate to be issued", func() bool {
		return db.Raw("SELECT serial FROM certificates WHERE enrollment_id = ?", enr.ID).Row().Scan(&serial) == nil
	})
	// The certificate's QR code names /verify/{serial}: the page for a
	// browser, and for any other client a redirect to the API's JSON.
	req, err := http.NewRequest(http.MethodGet, s.url+"/verify/"+serial, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	resp, err := admin.c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	require.Equal(t, "/api/v1/certificates/"+serial, resp.Header.Get("Location"))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "application/json")

	status, body = admin.post("/admin/certificates/revoke?lang=en", url.Values{"serial": {serial}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is required", fieldErr(body, "reason"))
	status, body = admin.post("/admin/certificates/revoke?lang=en", url.Values{"serial": {"!!"}, "reason": {"mistake"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is not a certificate serial", fieldErr(body, "serial"))
	require.Zero(t, count(t, s, "SELECT count(*) FROM certificates WHERE revoked_at IS NOT NULL"))
	status, _ = admin.post("/admin/certificates/revoke", url.Values{"serial": {serial}, "reason": {"issued by mistake"}})
	require.Equal(t, http.StatusSeeOther, status)
	var reason string
	require.NoError(t, db.Raw("SELECT revoke_reason FROM certificates WHERE serial = ?", serial).Row().Scan(&reason))
	require.Equal(t, "issued by mistake", reason)
	status, _ = admin.post("/admin/certificates/revoke", url.Values{"serial": {serial}, "reason": {"again"}})
	require.Equal(t, http.StatusConflict, status, "revoking twice")
}

// TestAdminConfirmsShopAndRunsInternships: the shop decision needs a
// reason to reject; places and rounds are created from the forms.
func TestAdminConfirmsShopAndRunsInternships(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	owner, _ := fixtures.VerifiedStudent(t, db, "刘洋")
	// A check far in the future: the shop stays pending for the admin.
	shop := s.delayedShop(owner, app.ShopInput{
		PlatformShopID: "tb-1", ShopURL: "https://tea.invalid/", ShopName: "刘洋茶铺", Category: "tea"})
	shopID := shop.ID

	_, body := admin.get("/admin/shops")
	require.Contains(t, body, shop.VerificationCode)
	status, body := admin.post("/admin/shops/"+shopID+"/confirm?lang=en", url.Values{"verified": {"false"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is required when the shop is rejected: tell the student what to fix", fieldErr(body, "reason-"+shopID))
	status, body = admin.post("/admin/shops/"+shopID+"/confirm?lang=zh", url.Values{"verified": {"false"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "拒绝时须说明原因，告诉学生需修改之处", fieldErr(body, "reason-"+shopID))
	status, body = admin.post("/admin/shops/"+shopID+"/confirm?lang=en", url.Values{"verified": {"maybe"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "must be true or false")
	var st string
	require.NoError(t, db.Raw("SELECT status FROM shops WHERE id = ?", shopID).Row().Scan(&st))
	require.Equal(t, workflows.ShopPending, st)
	status, _ = admin.post("/admin/shops/"+shopID+"/confirm", url.Values{"verified": {"true"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.NoError(t, db.Raw("SELECT status FROM shops WHERE id = ?", shopID).Row().Scan(&st))
	require.Equal(t, workflows.ShopVerified, st)
	status, _ = admin.post("/admin/shops/"+shopID+"/confirm", url.Values{"verified": {"true"}})
	require.Equal(t, http.StatusConflict, status, "a verified shop is decided")

	status, body = admin.post("/admin/places?lang=en", url.Values{"company": {"网易"}, "title": {"电商运营"}, "city": {"杭州"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is required", fieldErr(body, "capacity"))
	status, body = admin.post("/admin/places?lang=en", url.Values{"company": {"  "}, "title": {"电商运营"}, "city": {"杭州"}, "capacity": {"3"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "is required", fieldErr(body, "company"))
	require.Zero(t, count(t, s, "SELECT count(*) FROM internship_places"))
	status, _ = admin.post("/admin/places", url.Values{"company": {"网易"}, "title": {"电商运营"}, "city": {"杭州"}, "capacity": {"3"}, "skills": {"直播，选品, SQL"}})
	require.Equal(t, http.StatusSeeOther, status)
	var place models.InternshipPlace
	require.NoError(t, db.Take(&place).Error)
	require.Equal(t, []string{"直播", "选品", "SQL"}, []string(place.Skills))
	require.Equal(t, 3, place.Capacity)

	status, _ = admin.post("/admin/rounds", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM match_rounds WHERE requested_by IS NOT NULL"))
	_, body = admin.get("/admin/internships")
	require.Contains(t, body, "电商运营")
}

// TestAdminChangesAPlace: the row form of /admin/internships changes a
// place's seats and status as PATCH /api/v1/admin/internships/{id} does; a
// bad value or fewer seats than offers hold is shown beside that row's form
// (the new-place form stays clean) and changes nothing; only admins may.
func TestAdminChangesAPlace(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	place := s.createPlace("网易", "电商运营", "杭州", 3)
	students, _ := fixtures.VerifiedStudents(t, db, 2)
	for _, st := range students { // two offers hold two seats
		require.NoError(t, db.Exec(`INSERT INTO internship_applications (id, account_id, preferences, status, offer_place_id, created_at, updated_at)
			VALUES (?, ?, ARRAY[?]::uuid[], 'offered', ?, now(), now())`, models.NewID(), st.ID, place.ID, place.ID).Error)
	}
	load := func() models.InternshipPlace {
		var p models.InternshipPlace
		require.NoError(t, db.Take(&p, "id = ?", place.ID).Error)
		return p
	}

	_, body := admin.get("/admin/internships")
	require.Contains(t, body, `action="/admin/places/`+place.ID+`"`)
	require.Contains(t, body, `id="capacity-`+place.ID+`" name="capacity" type="number" min="0" max="10000" value="3"`)

	path := "/admin/places/" + place.ID + "?lang=en"
	for _, tc := range []struct {
		form url.Values
		err  string
	}{
		{url.Values{"capacity": {"1"}, "status": {"open"}}, "must be at least 2: offers hold that many seats"},
		{url.Values{"capacity": {"-1"}, "status": {"open"}}, "must be at least 0"},
		{url.Values{"capacity": {"three"}, "status": {"open"}}, "must be a whole number"},
	} {
		status, body := admin.post(path, tc.form)
		require.Equal(t, http.StatusUnprocessableEntity, status, tc.form)
		require.Equal(t, tc.err, fieldErr(body, "capacity-"+place.ID), tc.form)
		require.Empty(t, fieldErr(body, "capacity"), "the new-place form shows no error")
		require.Equal(t, 3, load().Capacity)
	}
	status, body := admin.post(path, url.Values{"capacity": {"3"}, "status": {"paused"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "must be one of")
	require.Equal(t, workflows.PlaceOpen, load().Status)

	status, body = admin.post("/admin/places/"+place.ID+"?lang=zh", url.Values{"capacity": {"1"}, "status": {"open"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "不能少于 2：已有录用占用这些名额", fieldErr(body, "capacity-"+place.ID))

	status, _ = admin.post(path, url.Values{"capacity": {"2"}, "status": {"closed"}})
	require.Equal(t, http.StatusSeeOther, status)
	p := load()
	require.Equal(t, 2, p.Capacity)
	require.Equal(t, workflows.PlaceClosed, p.Status)

	status, _ = admin.post("/admin/places/"+models.NewID(), url.Values{"capacity": {"2"}, "status": {"open"}})
	require.Equal(t, http.StatusNotFound, status)

	applicant := signIn(t, s, students[0])
	status, _ = applicant.post("/admin/places/"+place.ID, url.Values{"capacity": {"50"}, "status": {"open"}})
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, 2, load().Capacity)
}

// TestAdminSeesApplicationsWaitingForReviewers: the fund page says how many
// applications wait for reviewers; reviewers added from the admin page
// screen them again, and the notice goes.
func TestAdminSeesApplicationsWaitingForReviewers(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	prog := fixtures.FundProgram(t, db, nil, nil) // needs two reviewers; there are none
	students, _ := fixtures.VerifiedStudents(t, db, 2)
	for i, shop := range fixtures.VerifiedShops(t, db, students) {
		_, err := s.app.SubmitFund(context.Background(), app.ActorOf(students[i]), app.FundInput{
			ProgramID: prog.ID, ShopID: shop.ID, AmountFen: 50_000, BusinessPlan: "开一家网店"})
		require.NoError(t, err)
	}
	testenv.WaitFor(t, 30*time.Second, "both applications to wait for reviewers", func() bool {
		n, err := workflows.CountAwaitingReviewers(context.Background(), db)
		require.NoError(t, err)
		return n == 2
	})
	_, body := admin.get("/admin/fund?lang=en")
	require.Contains(t, body, `id="awaiting-reviewers">2 fund applications are waiting for reviewers`)

	// A forged college is refused beside the form, as the API refuses it.
	status, body := admin.post("/admin/accounts?lang=en", url.Values{"email": {"r@campusbiz.test"},
		"password": {"a-long-password"}, "name": {"评审"}, "role": {"reviewer"}, "college_id": {models.NewID()}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "is not a partner college")
	require.Zero(t, count(t, s, `SELECT count(*) FROM accounts WHERE role = 'reviewer'`))

	for i := range 2 {
		status, body := admin.post("/admin/accounts", url.Values{"email": {fmt.Sprintf("r%d@campusbiz.test", i)},
			"password": {"a-long-password"}, "name": {"评审"}, "role": {"reviewer"}})
		require.Equal(t, http.StatusSeeOther, status, body)
	}
	testenv.WaitFor(t, 30*time.Second, "both applications to go to review", func() bool {
		return count(t, s, `SELECT count(*) FROM fund_applications WHERE status = 'in_review'`) == 2
	})
	_, body = admin.get("/admin/fund?lang=en")
	require.NotContains(t, body, "awaiting-reviewers")
}
