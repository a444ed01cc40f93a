package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
)

// TestApplicantFormsKeepToTheirOwner: the new applicant forms are for
// verified students, act only on the visitor's own records (404 for
// anyone else's, as in the API) and convert yuan exactly.
func TestApplicantFormsKeepToTheirOwner(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	ctx := context.Background()
	students, _ := fixtures.VerifiedStudents(t, db, 2)
	shops := fixtures.VerifiedShops(t, db, students)
	reviewer := fixtures.Reviewer(t, db, "")
	prog := fixtures.FundProgram(t, db, []models.Account{reviewer}, func(p *models.FundProgram) {
		p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1
	})
	me, other := signIn(t, s, students[0]), students[1]
	othersApp, err := s.app.SubmitFund(ctx, app.ActorOf(other), app.FundInput{ProgramID: prog.ID, ShopID: shops[1].ID, AmountFen: 100, BusinessPlan: "p"})
	require.NoError(t, err)
	testenv.WaitFor(t, 20*time.Second, "screening", func() bool { return status(t, s, othersApp.ID) == workflows.FundInReview })
	// What the refused forms below could write: the other student's
	// application and shop, and any new record (the workers may still be
	// busy elsewhere, so this is narrower than writes).
	snapshot := func() string {
		var out string
		require.NoError(t, db.Raw(`SELECT concat_ws('|',
			(SELECT status || updated_at::text FROM fund_applications WHERE id = ?),
			(SELECT status || revision || updated_at::text FROM shops WHERE id = ?),
			(SELECT count(*) FROM workflow_events WHERE entity_id IN (?, ?) AND actor = ?),
			(SELECT count(*) FROM fund_applications), (SELECT count(*) FROM enrollments),
			(SELECT count(*) FROM internship_applications), (SELECT count(*) FROM shops))`,
			othersApp.ID, shops[1].ID, othersApp.ID, shops[1].ID, engine.ActorAccount(students[0].ID)).Row().Scan(&out))
		return out
	}

	// Someone else's records, and ids that are not ids, are not found.
	before := snapshot()
	for _, path := range []string{
		"/fund/" + othersApp.ID + "/withdraw", "/shops/" + shops[1].ID + "/recheck",
		"/internships/" + othersApp.ID + "/accept", "/fund/not-an-id/withdraw", "/courses/00000000-0000-4000-8000-000000000000/enroll",
	} {
		code, _ := me.post(path, url.Values{})
		require.Equal(t, http.StatusNotFound, code, path)
	}
	code, body := me.post("/fund?lang=en", url.Values{"program_id": {prog.ID}, "shop_id": {shops[1].ID}, "amount": {"10"}, "business_plan": {"p"}})
	require.Equal(t, http.StatusUnprocessableEntity, code)
	require.Contains(t, fieldErr(body, "shop_id"), "is not one of your shops")
	code, body = me.post("/fund?lang=en", url.Values{"program_id": {prog.ID}, "shop_id": {shops[0].ID}, "amount": {"12.345"}, "business_plan": {"p"}})
	require.Equal(t, http.StatusUnprocessableEntity, code)
	require.Equal(t, "must be an amount in yuan such as 1234.50", fieldErr(body, "amount"))
	require.Contains(t, body, `value="12.345"`, "the form keeps what was typed")
	code, body = me.post("/fund?lang=en", url.Values{"program_id": {prog.ID}, "shop_id": {shops[0].ID}, "amount": {"1000.01"}, "business_plan": {"p"}})
	require.Equal(t, http.StatusUnprocessableEntity, code, "above the programme's 1,000 yuan cap")
	require.Contains(t, fieldErr(body, "amount"), "1,000.00", "the message beside the amount names the cap")
	require.Equal(t, before, snapshot(), "refused forms write nothing")

	code, _ = me.post("/fund", url.Values{"program_id": {prog.ID}, "shop_id": {shops[0].ID}, "amount": {"834.56"}, "business_plan": {"卖茶"}})
	require.Equal(t, http.StatusSeeOther, code)
	var mine models.FundApplication
	require.NoError(t, db.Take(&mine, "account_id = ?", students[0].ID).Error)
	require.Equal(t, int64(83_456), mine.AmountFen, "yuan to fen exactly")
	code, _ = me.post("/fund/"+mine.ID+"/withdraw", url.Values{})
	require.Equal(t, http.StatusSeeOther, code)
	testenv.WaitFor(t, 10*time.Second, "the withdrawal", func() bool { return status(t, s, mine.ID) == workflows.FundWithdrawn })
	code, body = me.post("/fund/"+mine.ID+"/withdraw?lang=en", url.Values{})
	require.Equal(t, http.StatusConflict, code, "withdrawn once")
	require.Contains(t, body, "cannot be withdrawn")

	// A rejected shop can be checked again, once.
	require.NoError(t, db.Model(&models.Shop{}).Where("id = ?", shops[0].ID).Update("status", workflows.ShopRejected).Error)
	_, body = me.get("/shops")
	require.Contains(t, body, `action="/shops/`+shops[0].ID+`/recheck"`)
	code, _ = me.post("/shops/"+shops[0].ID+"/recheck", url.Values{})
	require.Equal(t, http.StatusSeeOther, code)
	require.NoError(t, db.Take(&shops[0], "id = ?", shops[0].ID).Error)
	require.Equal(t, 2, shops[0].Revision)

	// Enrolment goes through the domain: a second one is its conflict.
	course := fixtures.Course(t, db, 60)
	code, _ = me.post("/courses/"+course.ID+"/enroll", url.Values{})
	require.Equal(t, http.StatusSeeOther, code)
	code, body = me.post("/courses/"+course.ID+"/enroll?lang=en", url.Values{})
	require.Equal(t, http.StatusConflict, code)
	require.Contains(t, body, "already enrolled")
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM enrollments"))
}

// TestUnverifiedApplicantIsSentToOnboarding: the API's gate applies to the
// pages: no shop, application, enrolment or ranking before verification.
func TestUnverifiedApplicantIsSentToOnboarding(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	newcomer := signIn(t, s, fixtures.Account(t, db, models.RoleApplicant))
	course := fixtures.Course(t, db, 60)
	before := writes(t, s)
	for path, form := range map[string]url.Values{
		"/shops":                            {"shop_name": {"店"}, "shop_url": {"https://a.invalid/"}, "platform_shop_id": {"p"}, "category": {"c"}},
		"/courses/" + course.ID + "/enroll": {},
		"/internships":                      {"preferences": {"00000000-0000-4000-8000-000000000000"}},
		"/fund":                             {"amount": {"1"}},
	} {
		status, body := newcomer.post(path+"?lang=en", form)
		require.Equal(t, http.StatusForbidden, status, path)
		require.Contains(t, body, "Finish onboarding first: submit your student profile", path)
		status, body = newcomer.post(path+"?lang=zh", form)
		require.Equal(t, http.StatusForbidden, status, path)
		require.Contains(t, body, "请先完成学生认证：提交学生信息，并等待审核通过。", path)
	}
	require.Equal(t, before, writes(t, s))
}

// TestAnsweringAnOfferFromTheDashboard: an offered application shows accept
// and decline on the dashboard; accepting records the answer.
func TestAnsweringAnOfferFromTheDashboard(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	ctx := context.Background()
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	place := s.createPlace("阿里巴巴", "店铺运营实习", "杭州", 1)
	sub, err := s.app.SubmitInternship(ctx, app.ActorOf(students[0]), app.InternshipInput{Preferences: []string{place.ID}, Skills: []string{}})
	require.NoError(t, err)
	// The matching is another engineer's: set the offer as a round does.
	expires := time.Now().Add(48 * time.Hour)
	require.NoError(t, db.Model(&models.InternshipApplication{}).Where("id = ?", sub.ID).
		Updates(map[string]any{"status": workflows.InternshipOffered, "offer_place_id": place.ID, "offer_expires_at": expires}).Error)

	me := signIn(t, s, students[0])
	_, body := me.get("/dashboard?lang=en")
	require.Contains(t, body, "阿里巴巴 · 店铺运营实习 · 杭州")
	require.Contains(t, body, `action="/internships/`+sub.ID+`/accept"`)
	require.Contains(t, body, `action="/internships/`+sub.ID+`/decline"`)
	status, _ := me.post("/internships/"+sub.ID+"/accept", url.Values{})
	require.Equal(t, http.StatusSeeOther, status)
	var st string
	require.NoError(t, db.Raw("SELECT status FROM internship_applications WHERE id = ?", sub.ID).Row().Scan(&st))
	require.Equal(t, workflows.InternshipAccepted, st)
	_, body = me.get("/dashboard")
	require.NotContains(t, body, `/decline"`, "an answered offer has no buttons")
	status, _ = me.post("/internships/"+sub.ID+"/decline", url.Values{})
	require.Equal(t, http.StatusConflict, status)

	// The timeline says why each state was reached in the page's language;
	// an event written before reasons were codes keeps its English text.
	require.NoError(t, db.Exec(`INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reason)
		VALUES ('internship', ?, 'accepted', 'accepted', 'system', 'Offer confirmed by the company.')`, sub.ID).Error)
	timeline := func(lang string) string {
		_, body := me.get("/dashboard?lang=" + lang)
		i := strings.Index(body, `id="wf-internship-`+sub.ID+`"`)
		require.GreaterOrEqual(t, i, 0)
		body = body[i:]
		i = strings.Index(body, `<ol class="timeline">`)
		require.GreaterOrEqual(t, i, 0)
		return html.UnescapeString(body[i : i+strings.Index(body[i:], "</ol>")])
	}
	en := timeline("en")
	require.Contains(t, en, "pending — Waiting for the next matching round.")
	require.Contains(t, en, "offered → accepted — You accepted the offer.")
	require.Contains(t, en, "— Offer confirmed by the company.")
	zh := timeline("zh")
	require.Contains(t, zh, "审核中 — 等待下一轮匹配。")
	require.Contains(t, zh, "已录用 → 已接受 — 您已接受录用。")
	require.Contains(t, zh, "— Offer confirmed by the company.", "an old event's stored text")
	require.NotContains(t, zh, "Waiting for the next matching round.")
}
