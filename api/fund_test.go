package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/stretchr/testify/require"
)

// fetchLoopback lets the workers' shop check fetch the tests' local pages.
func fetchLoopback(t *testing.T) func(*workers.Deps) {
	allow, err := shopcheck.ParseAllowlist("127.0.0.1")
	require.NoError(t, err)
	return func(d *workers.Deps) {
		d.ShopVerification = workflows.ShopModeFetch
		d.ShopFetcher = shopcheck.New(shopcheck.Config{Timeout: 2 * time.Second, Allow: allow})
	}
}

// verifiedApplicant is a verified student with a verified shop, signed in.
func (a *app) verifiedApplicant() (models.Account, models.Shop, string) {
	a.t.Helper()
	acct, _ := fixtures.VerifiedStudent(a.t, a.schema.DB, "陈同学")
	shop := fixtures.VerifiedShops(a.t, a.schema.DB, []models.Account{acct})[0]
	return acct, shop, fixtures.Token(a.t, a.schema.DB, acct)
}

// reviewer is a signed-in reviewer with no college.
func (a *app) reviewer() (models.Account, string) {
	a.t.Helper()
	r := fixtures.Reviewer(a.t, a.schema.DB, "")
	return r, fixtures.Token(a.t, a.schema.DB, r)
}

// status polls GET path until its status is want.
func (a *app) waitStatus(path, token, want string) map[string]any {
	a.t.Helper()
	var last map[string]any
	testenv.WaitFor(a.t, 30*time.Second, path+" to be "+want, func() bool {
		r := a.do(http.MethodGet, path, token, nil)
		require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
		last = r.JSON(a.t)
		return last["status"] == want
	})
	return last
}

func items(t *testing.T, r response) []any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	list, ok := r.JSON(t)["items"].([]any)
	require.True(t, ok, string(r.Body))
	return list
}

func TestFundEndToEnd(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.ShopCheckDelay = time.Second })
	a.startWorkers(fetchLoopback(t))
	college, domain := fixtures.College(t, a.schema.DB)
	_, admin := a.user(models.RoleAdmin)

	// Register and sign in.
	r := a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{
		"email": "lin.xiao@example.com", "password": "a-long-password", "name": "林晓"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r = a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": "lin.xiao@example.com", "password": "a-long-password"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	student := r.JSON(t)["token"].(string)
	studentID := r.JSON(t)["account"].(map[string]any)["id"].(string)

	// A shop before onboarding is refused.
	shopBody := map[string]any{"platform_shop_id": "tb-778899", "shop_url": "", "shop_name": "林晓的手作小店", "category": "handicrafts"}
	r = a.do(http.MethodPost, "/api/v1/shops", student, shopBody)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, msg.OnboardingRequired, r.Reason(t))
	require.Equal(t, "Finish onboarding first: submit your student profile and wait until it is verified.", r.Error(t)["message"])
	r = a.doLang("zh-CN,zh;q=0.9,en;q=0.8", http.MethodPost, "/api/v1/shops", student, shopBody)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, "请先完成学生认证：提交学生信息，并等待审核通过。", r.Error(t)["message"], "in the language the client asks for")
	require.Contains(t, r.Header.Values("Vary"), "Accept-Language")

	// Onboard.
	r = a.do(http.MethodPost, "/api/v1/onboarding", student, map[string]any{
		"college_id": college.ID, "student_number": "2024009876", "full_name": "林晓", "enrollment_year": 2024,
		"major": "电子商务", "college_email": "linxiao@" + domain, "phone": "13912345678"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	a.confirmOnboarding(r.JSON(t)["id"].(string), student)

	// Verify a shop: fetch mode against a local page.
	var pageBody atomic.Value
	pageBody.Store("<html>店铺简介</html>")
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, pageBody.Load()) }))
	defer page.Close()
	shopBody["shop_url"] = page.URL + "/shop/778899"
	r = a.do(http.MethodPost, "/api/v1/shops", student, shopBody)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	shop := r.JSON(t)
	require.Equal(t, "pending", shop["status"])
	code := shop["verification_code"].(string)
	pageBody.Store("<html><div class=\"shop-desc\">店铺简介 " + code + "</div></html>") // within SHOP_CHECK_DELAY
	shopID := shop["id"].(string)
	a.waitStatus("/api/v1/shops/"+shopID, student, "verified")

	// The programme, with a panel of two reviewers and one from the student's college.
	r1, r1tok := a.reviewer()
	r2, r2tok := a.reviewer()
	sameCollege := fixtures.Reviewer(t, a.schema.DB, college.ID)
	sameTok := fixtures.Token(t, a.schema.DB, sameCollege)
	r = a.do(http.MethodPost, "/api/v1/admin/fund-programs", admin, map[string]any{
		"name": "明日网商 2026", "budget_fen": 1_000_000, "max_grant_fen": 200_000, "reviewers_per_application": 2,
		"approvals_required": 2, "min_mean_score": 7.5, "opens_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"closes_at":    time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"reviewer_ids": []string{r1.ID, r2.ID, sameCollege.ID}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	programID := r.JSON(t)["id"].(string)

	// Apply.
	r = a.do(http.MethodPost, "/api/v1/fund-applications", student, map[string]any{
		"program_id": programID, "shop_id": shopID, "amount_fen": 150_000,
		"business_plan": strings.Repeat("扩大手作饰品的产能，开通直播带货。", 20)})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, "submitted", r.JSON(t)["status"])
	appPath := "/api/v1/fund-applications/" + r.JSON(t)["id"].(string)
	a.waitStatus(appPath, student, "in_review")

	// Two reviewers see it with its automatic score; the same-college one does not.
	require.Empty(t, items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", sameTok, nil)))
	for i, tok := range []string{r1tok, r2tok} {
		list := items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", tok, nil))
		require.Len(t, list, 1)
		assigned := list[0].(map[string]any)["application"].(map[string]any)
		require.Equal(t, appPath, "/api/v1/fund-applications/"+assigned["id"].(string))
		require.NotNil(t, assigned["score"], "the automatic score is there for reviewers")
		require.NotEmpty(t, assigned["score_factors"])
		ask := assigned["score_factors"].([]any)[0].(map[string]any)
		require.Equal(t, msg.FundScoreAsk, ask["code"], "triage only: no points for the plan's length")
		require.Regexp(t, `^Asks for [\d,.]+ yuan of a [\d,.]+ yuan cap$`, ask["note"])
		zhAsk := items(t, a.doLang("zh", http.MethodGet, "/api/v1/reviews/assigned", tok, nil))[0].(map[string]any)["application"].(map[string]any)["score_factors"].([]any)[0].(map[string]any)
		require.Regexp(t, `^申请 [\d,.]+ 元`, zhAsk["note"], "the reviewer reads it in their language")
		r = a.do(http.MethodPost, appPath+"/reviews", tok, map[string]any{"decision": "approve", "score": 8 + i, "comment": "计划清晰"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}

	// Approved and paid.
	final := a.waitStatus(appPath, student, "disbursed")
	require.NotNil(t, final["disbursed_at"])
	reviews := final["reviews"].([]any)
	require.Len(t, reviews, 2, "the owner sees the reviews after the decision")
	for _, rv := range reviews {
		require.NotContains(t, rv, "reviewer_id", "without reviewer identity")
	}

	// Programme totals and ledger.
	r = a.do(http.MethodGet, "/api/v1/fund-programs/"+programID, "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	prog := r.JSON(t)
	require.EqualValues(t, 150_000, prog["disbursed_fen"])
	require.EqualValues(t, 0, prog["reserved_fen"])
	require.EqualValues(t, 850_000, prog["remaining_fen"])
	reserved, disbursed := fixtures.LedgerTotals(t, a.schema.DB, programID)
	require.Zero(t, reserved)
	require.EqualValues(t, 150_000, disbursed)

	// The whole timeline, with anonymous reviewers.
	r = a.do(http.MethodGet, appPath+"/events", student, nil)
	var states, actors []string
	for _, ev := range items(t, r) {
		states = append(states, ev.(map[string]any)["to"].(string))
		actors = append(actors, ev.(map[string]any)["actor"].(string))
	}
	require.Equal(t, []string{"submitted", "screening", "in_review", "in_review", "in_review", "approved", "disbursed"}, states)
	require.Equal(t, []string{"account:" + studentID, "task:fund:screen", "task:fund:screen", "reviewer", "reviewer",
		"task:fund:decide", "task:fund:disburse"}, actors)
	require.NotContains(t, string(r.Body), r1.ID)
	require.NotContains(t, string(r.Body), r2.ID)

	// Notified of every outcome: coded (the workflow and its state) and
	// titled in the reader's language.
	notices := stateNotices(t, a, student)
	for _, want := range []notice{
		{"onboarding", "verified", "student verification: verified"},
		{"shop", "verified", "shop verification: verified"},
		{"fund", "in_review", "fund application: with the reviewers"},
		{"fund", "approved", "fund application: approved"},
		{"fund", "disbursed", "fund application: paid"},
	} {
		require.Contains(t, notices, want)
	}
}

// reviewSetup is an application in review by r1 and r2 (panel r1, r2).
type reviewSetup struct {
	owner            models.Account
	ownerTok         string
	shop             models.Shop
	r1, r2           models.Account
	r1tok, r2tok     string
	appPath, program string
}

func (a *app) inReview() reviewSetup {
	a.t.Helper()
	var s reviewSetup
	s.owner, s.shop, s.ownerTok = a.verifiedApplicant()
	s.r1, s.r1tok = a.reviewer()
	s.r2, s.r2tok = a.reviewer()
	s.program = fixtures.FundProgram(a.t, a.schema.DB, []models.Account{s.r1, s.r2}, nil).ID
	r := a.do(http.MethodPost, "/api/v1/fund-applications", s.ownerTok, map[string]any{
		"program_id": s.program, "shop_id": s.shop.ID, "amount_fen": 50_000, "business_plan": "开一家网店"})
	require.Equal(a.t, http.StatusAccepted, r.Status, string(r.Body))
	s.appPath = "/api/v1/fund-applications/" + r.JSON(a.t)["id"].(string)
	a.waitStatus(s.appPath, s.ownerTok, "in_review")
	return s
}

func TestFundReviewAuthorization(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	s := a.inReview()
	_, otherShop, otherTok := a.verifiedApplicant()
	outsider, outsiderTok := a.reviewer() // a reviewer, not assigned
	_, admin := a.user(models.RoleAdmin)
	review := map[string]any{"decision": "approve", "score": 9, "comment": "good"}
	reviewsDone := func() int {
		return a.count(`SELECT count(*) FROM fund_reviews WHERE status = 'done'`)
	}

	t.Run("an applicant cannot review their own application", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", s.ownerTok, review)
		require.Equal(t, http.StatusForbidden, r.Status)
		require.Equal(t, "forbidden", r.Error(t)["code"])
	})
	t.Run("an applicant cannot review another's application", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", otherTok, review)
		require.Equal(t, http.StatusForbidden, r.Status)
	})
	t.Run("an admin is not a reviewer", func(t *testing.T) {
		require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, s.appPath+"/reviews", admin, review).Status)
	})
	t.Run("an unassigned reviewer cannot review", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", outsiderTok, review)
		require.Equal(t, http.StatusForbidden, r.Status)
		require.Equal(t, msg.FundReviewNotAssigned, r.Reason(t))
	})
	require.Zero(t, reviewsDone(), "nothing written")

	t.Run("a reviewer cannot read applications not assigned to them", func(t *testing.T) {
		for _, path := range []string{s.appPath, s.appPath + "/events", "/api/v1/shops/" + s.shop.ID} {
			r := a.do(http.MethodGet, path, outsiderTok, nil)
			require.Equal(t, http.StatusNotFound, r.Status, path)
			require.NotContains(t, string(r.Body), s.owner.ID)
		}
		require.Empty(t, items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", outsiderTok, nil)))
		_ = outsider
	})
	t.Run("another applicant cannot read or withdraw it", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, s.appPath, otherTok, nil).Status)
		require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, s.appPath+"/withdraw", otherTok, nil).Status)
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/api/v1/shops/"+s.shop.ID, otherTok, nil).Status)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/api/v1/shops/"+otherShop.ID, otherTok, nil).Status, "their own shop")
	})
	t.Run("a second review is a conflict", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", s.r1tok, review)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		r = a.do(http.MethodPost, s.appPath+"/reviews", s.r1tok, map[string]any{"decision": "reject", "score": 1, "comment": "again"})
		require.Equal(t, http.StatusConflict, r.Status)
		require.Equal(t, "conflict", r.Error(t)["code"])
		require.Equal(t, 1, reviewsDone())
	})
	t.Run("an assigned reviewer reads it without the other reviewer", func(t *testing.T) {
		r := a.do(http.MethodGet, s.appPath, s.r2tok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Empty(t, r.JSON(t)["reviews"], "r2 sees only their own review")
		require.NotContains(t, string(r.Body), s.r1.ID)
		r = a.do(http.MethodGet, s.appPath+"/events", s.r2tok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.NotContains(t, string(r.Body), s.r1.ID)
		r = a.do(http.MethodGet, "/api/v1/shops/"+s.shop.ID, s.r2tok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.NotContains(t, r.JSON(t), "verification_code", "the code is the owner's")
	})
	t.Run("the owner sees no review before the decision", func(t *testing.T) {
		r := a.do(http.MethodGet, s.appPath, s.ownerTok, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Empty(t, r.JSON(t)["reviews"])
	})
	t.Run("the admin sees every review with its reviewer", func(t *testing.T) {
		r := a.do(http.MethodGet, s.appPath, admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.Contains(t, string(r.Body), s.r1.ID)
	})
	t.Run("withdrawn before the decision", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/withdraw", s.ownerTok, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, "withdrawn", r.JSON(t)["status"])
		require.Equal(t, http.StatusConflict, a.do(http.MethodPost, s.appPath+"/withdraw", s.ownerTok, nil).Status)
		r = a.do(http.MethodPost, s.appPath+"/reviews", s.r2tok, review)
		require.Equal(t, http.StatusConflict, r.Status, "no reviews after a withdrawal")
		require.Empty(t, items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", s.r2tok, nil)))
	})
}

func TestFundBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	owner, shop, tok := a.verifiedApplicant()
	_, otherShop, _ := a.verifiedApplicant()
	rev, revTok := a.reviewer()
	_, admin := a.user(models.RoleAdmin)
	prog := fixtures.FundProgram(t, a.schema.DB, []models.Account{rev}, func(p *models.FundProgram) { p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1 })
	unverified := fixtures.Account(t, a.schema.DB, models.RoleApplicant)
	unverifiedTok := fixtures.Token(t, a.schema.DB, unverified)
	// An application in review by rev, written directly: the reviews endpoint's target.
	app := models.FundApplication{ID: models.NewID(), ProgramID: prog.ID, AccountID: owner.ID, ShopID: shop.ID, AmountFen: 1,
		BusinessPlan: "p", Status: workflows.FundInReview, Reasons: []models.Reason{}, ScoreFactors: []models.ScoreFactor{}}
	require.NoError(t, a.schema.DB.Create(&app).Error)
	require.NoError(t, a.schema.DB.Create(&models.FundReview{ID: models.NewID(), ApplicationID: app.ID, ReviewerID: rev.ID,
		Status: workflows.ReviewAssigned, DueAt: time.Now().Add(time.Hour)}).Error)
	pendingShop := models.Shop{ID: models.NewID(), AccountID: owner.ID, PlatformShopID: "p-1", ShopURL: "https://p.example.com/",
		URLKey: "p.example.com", ShopName: "p", Category: "c", VerificationCode: "CB-X", Status: workflows.ShopPending, Reasons: []models.Reason{}, Revision: 1}
	require.NoError(t, a.schema.DB.Create(&pendingShop).Error)

	now := time.Now().UTC()
	okProgram := func(change map[string]any) map[string]any {
		m := map[string]any{"name": "P2", "budget_fen": 1000, "max_grant_fen": 100, "reviewers_per_application": 1,
			"approvals_required": 1, "min_mean_score": 6, "opens_at": now.Format(time.RFC3339),
			"closes_at": now.Add(time.Hour).Format(time.RFC3339)}
		for k, v := range change {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	okShop := func(k string, v any) map[string]any {
		m := map[string]any{"platform_shop_id": "tb-1", "shop_url": "https://shop.example.com/1", "shop_name": "店", "category": "c"}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	okApp := func(k string, v any) map[string]any {
		m := map[string]any{"program_id": prog.ID, "shop_id": shop.ID, "amount_fen": 100, "business_plan": "plan"}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	okReview := func(k string, v any) map[string]any {
		m := map[string]any{"decision": "approve", "score": 7, "comment": "fine"}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	const (
		shops   = "/api/v1/shops"
		confirm = "/api/v1/admin/shops/%s/confirm"
		progs   = "/api/v1/admin/fund-programs"
		apps    = "/api/v1/fund-applications"
	)
	reviews := apps + "/" + app.ID + "/reviews"
	huge := `{"business_plan":"` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name, path, token string
		body              any
		status            int
		field             string
	}{
		{"shop: malformed JSON", shops, tok, `{"platform_shop_id":`, 400, ""},
		{"shop: not an object", shops, tok, `["tb-1"]`, 400, ""},
		{"shop: missing field", shops, tok, okShop("shop_name", nil), 422, "shop_name"},
		{"shop: wrong type", shops, tok, okShop("platform_shop_id", 42), 422, "platform_shop_id"},
		{"shop: oversized name", shops, tok, okShop("shop_name", strings.Repeat("店", 101)), 422, "shop_name"},
		{"shop: not http", shops, tok, okShop("shop_url", "ftp://shop.example.com/"), 422, "shop_url"},
		{"shop: credentials in the URL", shops, tok, okShop("shop_url", "https://me:pw@shop.example.com/"), 422, "shop_url"},
		{"shop: unknown field", shops, tok, okShop("status", "verified"), 422, "status"},
		{"shop: control characters", shops, tok, okShop("category", "a\u0000b"), 422, "category"},
		{"shop: not a verified student", shops, unverifiedTok, okShop("", nil), 403, ""},
		{"shop: 2 MiB body", shops, tok, huge, 413, ""},
		{"confirm: missing verified", fmt.Sprintf(confirm, pendingShop.ID), admin, map[string]any{"reason": "x"}, 422, "verified"},
		{"confirm: wrong type", fmt.Sprintf(confirm, pendingShop.ID), admin, map[string]any{"verified": "yes"}, 422, "verified"},
		{"confirm: rejection without reason", fmt.Sprintf(confirm, pendingShop.ID), admin, map[string]any{"verified": false}, 422, "reason"},
		{"confirm: oversized reason", fmt.Sprintf(confirm, pendingShop.ID), admin, map[string]any{"verified": false, "reason": strings.Repeat("r", 501)}, 422, "reason"},
		{"confirm: not an id", fmt.Sprintf(confirm, "42"), admin, map[string]any{"verified": true}, 404, ""},
		{"confirm: unknown shop", fmt.Sprintf(confirm, models.NewID()), admin, map[string]any{"verified": true}, 404, ""},
		{"confirm: not an admin", fmt.Sprintf(confirm, pendingShop.ID), tok, map[string]any{"verified": true}, 403, ""},
		{"recheck: not rejected", shops + "/" + pendingShop.ID + "/recheck", tok, nil, 409, ""},
		{"recheck: someone else's", shops + "/" + otherShop.ID + "/recheck", tok, nil, 404, ""},
		{"programme: malformed", progs, admin, `{"name": "x"`, 400, ""},
		{"programme: missing budget", progs, admin, okProgram(map[string]any{"budget_fen": nil}), 422, "budget_fen"},
		{"programme: fractional fen", progs, admin, okProgram(map[string]any{"budget_fen": 10.5}), 422, "budget_fen"},
		{"programme: negative budget", progs, admin, okProgram(map[string]any{"budget_fen": -1}), 422, "budget_fen"},
		{"programme: grant above budget", progs, admin, okProgram(map[string]any{"max_grant_fen": 1001}), 422, "max_grant_fen"},
		{"programme: approvals above reviewers", progs, admin, okProgram(map[string]any{"approvals_required": 2}), 422, "approvals_required"},
		{"programme: score bar above 10", progs, admin, okProgram(map[string]any{"min_mean_score": 11}), 422, "min_mean_score"},
		{"programme: bad time", progs, admin, okProgram(map[string]any{"opens_at": "tomorrow"}), 422, "opens_at"},
		{"programme: closes before it opens", progs, admin, okProgram(map[string]any{"closes_at": now.Add(-time.Hour).Format(time.RFC3339)}), 422, "closes_at"},
		{"programme: panel of non-reviewers", progs, admin, okProgram(map[string]any{"reviewer_ids": []string{owner.ID}}), 422, "reviewer_ids"},
		{"programme: panel of non-ids", progs, admin, okProgram(map[string]any{"reviewer_ids": []string{"bob"}}), 422, "reviewer_ids[0]"},
		{"programme: taken name", progs, admin, okProgram(map[string]any{"name": prog.Name}), 409, ""},
		{"programme: not an admin", progs, revTok, okProgram(nil), 403, ""},
		{"application: malformed", apps, tok, `{`, 400, ""},
		{"application: zero amount", apps, tok, okApp("amount_fen", 0), 422, "amount_fen"},
		{"application: amount as text", apps, tok, okApp("amount_fen", "100"), 422, "amount_fen"},
		{"application: programme not an id", apps, tok, okApp("program_id", "x"), 422, "program_id"},
		{"application: no such programme", apps, tok, okApp("program_id", models.NewID()), 422, "program_id"},
		{"application: someone else's shop", apps, tok, okApp("shop_id", otherShop.ID), 422, "shop_id"},
		{"application: oversized plan", apps, tok, okApp("business_plan", strings.Repeat("计", 20001)), 422, "business_plan"},
		{"application: not a verified student", apps, unverifiedTok, okApp("", nil), 403, ""},
		{"review: malformed", reviews, revTok, `{"decision":`, 400, ""},
		{"review: unknown decision", reviews, revTok, okReview("decision", "maybe"), 422, "decision"},
		{"review: score too high", reviews, revTok, okReview("score", 11), 422, "score"},
		{"review: score zero (no score: the rubric's criteria are missing)", reviews, revTok, okReview("score", 0), 422, "criteria"},
		{"review: criteria not a list", reviews, revTok, okReview("criteria", "all good"), 422, "criteria"},
		{"review: criterion not an id", reviews, revTok, okReview("criteria", []map[string]any{{"criterion_id": "x", "points": 1}}), 422, "criterion_id"},
		{"review: fractional score", reviews, revTok, okReview("score", 7.5), 422, "score"},
		{"review: no comment", reviews, revTok, okReview("comment", nil), 422, "comment"},
		{"review: oversized comment", reviews, revTok, okReview("comment", strings.Repeat("c", 4001)), 422, "comment"},
		{"withdraw: not an id", apps + "/nope/withdraw", tok, nil, 404, ""},
		{"withdraw: unknown application", apps + "/" + models.NewID() + "/withdraw", tok, nil, 404, ""},
		{"withdraw: a reviewer", apps + "/" + app.ID + "/withdraw", revTok, nil, 403, ""},
		{"review: not an id", apps + "/nope/reviews", revTok, okReview("", nil), 404, ""},
		{"review: unknown application", apps + "/" + models.NewID() + "/reviews", revTok, okReview("", nil), 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(http.MethodPost, tc.path, tc.token, tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			e := r.Error(t)
			if tc.field != "" {
				require.Contains(t, e["fields"], tc.field)
			}
		})
	}
	for _, path := range []string{"/api/v1/shops/42", "/api/v1/shops/" + models.NewID(), "/api/v1/shops/42/events",
		"/api/v1/fund-applications/42", "/api/v1/fund-applications/" + models.NewID() + "/events", "/api/v1/fund-programs/42"} {
		r := a.do(http.MethodGet, path, tok, nil)
		require.Equal(t, http.StatusNotFound, r.Status, path)
		require.Equal(t, "not_found", r.Error(t)["code"])
	}
	for _, path := range []string{"/api/v1/fund-programs?limit=0", "/api/v1/fund-programs?cursor=zz", "/api/v1/reviews/assigned?limit=500"} {
		tokFor := map[bool]string{true: revTok, false: ""}[strings.Contains(path, "reviews")]
		r := a.do(http.MethodGet, path, tokFor, nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, path)
	}

	require.Equal(t, 3, a.count(`SELECT count(*) FROM shops`), "no shop written")
	require.Equal(t, workflows.ShopPending, a.shopStatus(pendingShop.ID), "no decision written")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM fund_programs`), "no programme written")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM fund_applications`), "no application written")
	require.Zero(t, a.count(`SELECT count(*) FROM fund_reviews WHERE status = 'done'`), "no review written")
	require.Zero(t, a.count(`SELECT count(*) FROM workflow_events`), "no event written")
	require.Zero(t, a.count(`SELECT count(*) FROM outbox`), "no task written")
}

func (a *app) shopStatus(id string) string {
	a.t.Helper()
	var s string
	require.NoError(a.t, a.schema.DB.Raw(`SELECT status FROM shops WHERE id = ?`, id).Row().Scan(&s))
	return s
}

// TestApplicationsWaitingForReviewersAreScreenedWhenReviewersJoin: with no
// reviewer, screening leaves the application waiting and says why; each
// reviewer an admin then creates screens the waiting applications again,
// and with the second one they go to review. A new admin screens nothing.
func TestApplicationsWaitingForReviewersAreScreenedWhenReviewersJoin(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.schema.KeepCompletedTasks(t)
	a.startWorkers()
	_, admin := a.user(models.RoleAdmin)
	program := fixtures.FundProgram(t, a.schema.DB, nil, nil).ID // every reviewer is on the panel; it needs two
	paths := make([]string, 2)
	var ownerTok string
	for i := range paths {
		_, shop, tok := a.verifiedApplicant()
		r := a.do(http.MethodPost, "/api/v1/fund-applications", tok, map[string]any{
			"program_id": program, "shop_id": shop.ID, "amount_fen": 50_000, "business_plan": "开一家网店"})
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		paths[i], ownerTok = "/api/v1/fund-applications/"+r.JSON(t)["id"].(string), tok
	}
	waiting := func() int {
		return a.count(`SELECT count(*) FROM fund_applications WHERE status = 'screening' AND reasons @> '[{"code": "fund.awaiting_reviewers"}]'`)
	}
	testenv.WaitFor(t, 30*time.Second, "both applications to wait for reviewers", func() bool { return waiting() == 2 })
	got := a.waitStatus(paths[1], ownerTok, "screening")
	require.Contains(t, fmt.Sprint(got["reasons"]), "screened again as soon as the programme office adds reviewers")

	// A row written before codes were dotted (with its English message) still waits, and still reads.
	legacy := strings.TrimPrefix(paths[0], "/api/v1/fund-applications/")
	require.NoError(t, a.schema.DB.Exec(`UPDATE fund_applications SET reasons = '[{"code": "awaiting_reviewers", "message": "old text"}]' WHERE id = ?`,
		legacy).Error)
	n, err := workflows.CountAwaitingReviewers(context.Background(), a.schema.DB)
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "the legacy code still counts as waiting")
	r := a.do(http.MethodGet, paths[0], admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "awaiting_reviewers", r.JSON(t)["reasons"].([]any)[0].(map[string]any)["code"])
	waiting = func() int {
		return a.count(`SELECT count(*) FROM fund_applications WHERE status = 'screening' AND (reasons @> '[{"code": "fund.awaiting_reviewers"}]'
			OR reasons @> '[{"code": "awaiting_reviewers"}]')`)
	}

	staff := func(role string, n int) {
		r := a.do(http.MethodPost, "/api/v1/admin/accounts", admin, map[string]any{
			"email": fmt.Sprintf("%s%d@campusbiz.test", role, n), "password": "a-long-password", "name": role, "role": role})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	tasks := func() int { return a.count(`SELECT count(*) FROM tasks_ever WHERE task_type = 'fund:screen'`) }
	before := tasks()
	staff("admin", 1)
	require.Equal(t, before, tasks(), "a new admin screens nothing again")

	staff("reviewer", 1) // one is not enough: they wait on
	require.Equal(t, before+2, tasks(), "both waiting applications are screened again")
	testenv.WaitFor(t, 30*time.Second, "the second screenings to run", func() bool {
		return a.count(`SELECT count(*) FROM outbox WHERE task_type = 'fund:screen' AND failed_at IS NULL`) == 0
	})
	require.Equal(t, 2, waiting())
	require.Zero(t, a.count(`SELECT count(*) FROM fund_reviews`))

	staff("reviewer", 2)
	for _, p := range paths {
		a.waitStatus(p, admin, "in_review")
	}
	require.Equal(t, 4, a.count(`SELECT count(*) FROM fund_reviews`), "two reviewers each")
	require.Zero(t, waiting())
}
