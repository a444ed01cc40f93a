package web

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// TestEveryPageRendersItsData: each page renders, in both languages, the
// data its handler gives it (the application's types), with every optional
// part filled in (reasons, factors, codes, form errors, table rows), so
// that a template naming a field or helper that no longer exists fails
// here rather than as a 500 on a page no other test opens. Coded reasons
// and factors render in the page's language; an event of before codes
// keeps its stored text.
func TestEveryPageRendersItsData(t *testing.T) {
	t.Parallel()
	pages, err := parseTemplates()
	require.NoError(t, err)

	now := time.Date(2026, 9, 1, 8, 30, 0, 0, time.UTC)
	id := "6f1e2d3c-0000-4000-8000-000000000001"
	score, serial, offerID := 73, "FE6FR-TJPF6-5ZK5D-M87NJ-9NHGW4", id
	waiting := workflows.NewReason("", msg.InternshipWaiting)
	hostGone := workflows.NewReason("shop_url", msg.ShopHostNotFound, msg.Text("host", "tea.invalid"))
	domain := workflows.NewReason("college_email", msg.OnboardingEmailDomain, msg.Texts("domains", []string{"zju.edu.cn"}))
	program := models.FundProgram{ID: id, Name: "2026 秋季创业基金", BudgetFen: 100_000_000, MaxGrantFen: 2_000_000,
		ReservedFen: 500_000, OpensAt: now, ClosesAt: now.Add(24 * time.Hour)}
	shop := models.Shop{ID: id, ShopName: "周敏的茶铺", ShopURL: "https://tea.invalid/", PlatformShopID: "tb-1",
		Category: "tea", VerificationCode: "CB-OTJX4LQ4WRDM", Status: workflows.ShopRejected, Reasons: []models.Reason{hostGone}}
	place := app.Place{InternshipPlace: models.InternshipPlace{ID: id, Company: "阿里巴巴", Title: "店铺运营实习", City: "杭州",
		Capacity: 3, Status: workflows.PlaceOpen}, Filled: 1}
	round := models.MatchRound{ID: id, Status: "failed", Matched: 2, Applicants: 3, Error: "boom", CreatedAt: now}
	profile := models.StudentProfile{ID: id, FullName: "张三", Major: "E-commerce", Status: workflows.OnboardingNeedsInfo,
		Reasons: []models.Reason{domain}}
	application := models.FundApplication{ID: id, AmountFen: 85_030, BusinessPlan: "用直播卖家乡的手工竹编。", Score: &score,
		Status: workflows.FundInReview, ScoreFactors: []models.ScoreFactor{
			{Name: "ask", Points: 23, Max: 30, Code: msg.FundScoreAsk, Params: map[string]any{"amount": 85_030, "cap": 2_000_000}},
			{Name: "plan", Points: 10, Max: 50}, // scored before codes: its name shows
		}}
	college := models.College{ID: id, Name: "浙江大学", NameEN: "Zhejiang University"}
	assignment := app.Assignment{Review: models.FundReview{Status: workflows.ReviewAssigned, DueAt: now}, Application: application,
		Program: program, Shop: shop, Applicant: profile, College: college, Overdue: true}
	decision, score := workflows.ReviewApprove, 8
	doneReview := assignment
	doneReview.Review = models.FundReview{Status: workflows.ReviewDone, DueAt: now, Decision: &decision, Score: &score,
		Comment: "Solid margins.", ReviewedAt: &now}
	staff := models.Account{ID: id, Name: "评审", Email: "r@campusbiz.test", Role: models.RoleReviewer}
	course := models.Course{ID: id, Title: "直播带货", Description: "Live selling.", PassScore: 60}
	timeline := []models.WorkflowEvent{
		{FromState: "", ToState: workflows.InternshipPending, Reasons: []models.Reason{waiting}, At: now},
		{FromState: workflows.InternshipPending, ToState: workflows.InternshipOffered, Reason: "Offered by round 3.", At: now},
	}
	dashboard := dashboardData{Next: "next.explore", Workflows: []tracked{
		{Kind: "shop", ID: id, Label: shop.ShopName, Status: shop.Status, Reasons: shop.Reasons, Code: shop.VerificationCode,
			Actions: Actions("shop", id, shop.Status), Timeline: timeline},
		{Kind: "internship", ID: offerID, Label: "阿里巴巴 · 店铺运营实习 · 杭州", Status: workflows.InternshipOffered,
			Actions: Actions("internship", id, workflows.InternshipOffered), Timeline: timeline},
		{Kind: "enrollment", ID: id, Label: serial, Status: workflows.EnrollmentCertified, PDF: "/api/v1/certificates/" + serial + "/pdf",
			Credential: "/api/v1/certificates/" + serial + "/credential"},
	}}

	for _, tc := range []struct {
		page, role string
		data       any
		form       url.Values
		fields     map[string]string
		want       map[string][]string // by language: text the page shows
	}{
		{page: "home", data: app.HomeFigures{BudgetFen: 100, UsedFen: 40, LeftFen: 60, Seats: 5, Filled: 2, Verified: 9}},
		{page: "register", fields: map[string]string{"email": "bad"}},
		{page: "login", form: url.Values{"next": {"/fund"}}},
		{page: "error"},
		{page: "verify"},
		{page: "verify", data: certificatePage{Serial: serial, HolderName: "王小明", CourseTitle: "直播带货", IssuerName: "明日网商",
			IssuedAt: &now, RevokedAt: &now, Revoked: true}, // 08:30 UTC is 16:30 in Beijing (TIME_ZONE's default)
			want: map[string][]string{LangEN: {"2026-09-01 16:30 UTC+08:00"}, LangZH: {"2026年9月1日 16:30（北京时间）"}}},
		{page: "dashboard", role: models.RoleApplicant, data: dashboard, want: map[string][]string{
			LangEN: {"pending — Waiting for the next matching round.", "pending → offered — Offered by round 3.",
				"The shop's host name tea.invalid does not exist", "/internships/" + id + "/accept", serial + "/pdf",
				serial + "/credential", "Download verifiable credential (JSON)"},
			LangZH: {"审核中 — 等待下一轮匹配。", "审核中 → 已录用 — Offered by round 3.", "网店网址中的主机名 tea.invalid 不存在",
				serial + "/credential", "下载可验证凭证（标准格式）"},
		}},
		{page: "onboarding", role: models.RoleApplicant, data: onboardingPage{
			Colleges: []models.College{{ID: id, Name: "浙江大学", NameEN: "Zhejiang University", Province: "浙江"}}, Profile: &profile,
			General: profile.Reasons},
			form: url.Values{"college_id": {id}}, fields: map[string]string{"phone": "bad"},
			want: map[string][]string{LangEN: {"zju.edu.cn", "Zhejiang University"}, LangZH: {"请使用学校邮箱", "浙江大学"}}},
		{page: "shop", role: models.RoleApplicant, data: []shopItem{{Shop: shop, Recheck: true}},
			want: map[string][]string{LangEN: {"/shops/" + id + "/recheck", "CB-OTJX4LQ4WRDM"}}},
		{page: "fund", role: models.RoleApplicant, data: app.FundChoices{Programs: []models.FundProgram{program}, Shops: []models.Shop{shop}},
			form: url.Values{"amount": {"12.345"}}, fields: map[string]string{"amount": "bad", "program_id": "bad", "shop_id": "bad", "business_plan": "bad"},
			want: map[string][]string{LangEN: {"2026 秋季创业基金", "20,000.00", "tb-1"}}},
		{page: "fund", role: models.RoleApplicant, data: app.FundChoices{Programs: []models.FundProgram{program}}},
		{page: "courses", role: models.RoleApplicant, data: []app.CourseChoice{{Course: course, Status: workflows.EnrollmentFailed, CanEnroll: true}},
			want: map[string][]string{LangEN: {"/courses/" + id + "/enroll", "直播带货"}}},
		{page: "internship", role: models.RoleApplicant, data: rankingPage{Places: []app.Place{place}, Choices: []int{1, 2}},
			form: url.Values{"preferences": {id}}, fields: map[string]string{"preferences": "bad"},
			want: map[string][]string{LangEN: {"阿里巴巴 · 店铺运营实习 · 杭州 (1/3)", "Choice 2"}, LangZH: {"第 2 志愿"}}},
		{page: "notifications", role: models.RoleApplicant, data: noticesPage{Next: "next",
			Items: []notice{{ID: id, Title: "t1", Body: "b1", At: now, Unread: true}, {ID: id, Title: "t2", Body: "b2", At: now}}},
			want: map[string][]string{LangEN: {"/notifications/" + id + "/read", "b2", "/notifications?cursor=next"}, LangZH: {"全部标为已读"}}},
		{page: "notifications", role: models.RoleApplicant, data: noticesPage{}, want: map[string][]string{LangZH: {"暂无通知"}}},
		{page: "reviews", role: models.RoleReviewer, data: queuePage{Status: app.QueuePending, Statuses: app.QueueStatuses,
			List: app.Counted[app.Assignment]{List: app.List[app.Assignment]{Items: []app.Assignment{assignment}, NextCursor: "abc"}, Total: 7}},
			form: url.Values{"done": {id}},
			want: map[string][]string{LangEN: {"/reviews/" + id, "850.30", "7 in total", "overdue", "Zhejiang University", "cursor=abc", "of a 20,000.00 yuan cap"},
				LangZH: {"共 7 份", "浙江大学", "已逾期"}}},
		{page: "reviews", role: models.RoleReviewer, data: queuePage{Status: app.QueueDone, Statuses: app.QueueStatuses,
			List: app.Counted[app.Assignment]{List: app.List[app.Assignment]{Items: []app.Assignment{doneReview}}, Total: 1}},
			want: map[string][]string{LangEN: {"Your review: Approve, 8/10"}}},
		{page: "review", role: models.RoleReviewer, data: app.ReviewFile{Assignment: doneReview,
			Others: []app.VisibleReview{{Decision: workflows.ReviewReject, Score: 3, Comment: "Thin plan."}}},
			want: map[string][]string{LangEN: {"Solid margins.", "Reject · 3/10 — Thin plan."}}},
		{page: "review", role: models.RoleReviewer, data: app.ReviewFile{Assignment: assignment, Rubric: []models.FundCriterion{
			{ID: id, NameZH: "商业计划", NameEN: "Business plan", Weight: 2, MaxPoints: 10},
			{ID: models.NewID(), NameZH: "网店经营", NameEN: "Shop record", Weight: 1, MaxPoints: 5}}},
			form: url.Values{"points_" + id: {"8"}}, fields: map[string]string{"criteria": "bad criteria"},
			want: map[string][]string{LangEN: {"Business plan (0 to 10 points, weight 2)", `name="points_` + id + `"`, `value="8"`, "bad criteria"},
				LangZH: {"商业计划 (0 到 10 分，权重 2)"}}},
		{page: "review", role: models.RoleReviewer, data: app.ReviewFile{Assignment: assignment, Rubric: []models.FundCriterion{workflows.DefaultCriterion}},
			fields: map[string]string{"decision": "bad", "score": "bad", "comment": "bad"},
			want: map[string][]string{LangEN: {"23/30 — Asks for 850.30 yuan of a 20,000.00 yuan cap", "10/50 — plan"},
				LangZH: {"申请 850.30 元，单笔上限 20,000.00 元"}}},
		{page: "admin", role: models.RoleAdmin, data: app.AdminOverview{Programs: []models.FundProgram{program},
			Places: []models.InternshipPlace{place.InternshipPlace}, Courses: []models.Course{course}, Rounds: []models.MatchRound{round},
			Accounts: []models.Account{staff}}, fields: map[string]string{"role": "bad", "college_id": "bad"},
			want: map[string][]string{LangEN: {"r@campusbiz.test", "2/3"}}},
		{page: "admin_ranking", role: models.RoleAdmin, data: programRankingPage{Ranking: app.Ranking{Program: program,
			Reviewers: []app.RankedReviewer{{ReviewerSeverity: workflows.ReviewerSeverity{ReviewerID: id, Reviews: 4, Offset: -0.83}, Name: "严评审"}},
			Items: []app.RankedApplication{{CalibratedScore: workflows.CalibratedScore{ApplicationID: id, Reviews: 3, Raw: 6.333, Calibrated: 6.9},
				Status: workflows.FundApproved, AmountFen: 85030, Applicant: "张三"}}},
			Rubric: rubricRowsOf([]models.FundCriterion{workflows.DefaultCriterion}, nil)},
			fields: map[string]string{"weight": "bad weight"},
			want: map[string][]string{LangEN: {"严评审", "-0.83", "6.33", "6.90", "张三", "Calibrated", `name="name_zh_1" value="总体评价"`,
				`name="max_points_6" value=""`, "Weight: bad weight"}, LangZH: {"校准后", "保存评分细则"}}},
		{page: "admin_fund", role: models.RoleAdmin, data: app.AdminFund{Programs: []models.FundProgram{program},
			Reviewers: []models.Account{staff}, AwaitingReviewers: 2}, form: url.Values{"reviewer_ids": {id}, "done": {"program"}},
			fields: map[string]string{"reviewer_ids": "bad", "max_grant_fen": "bad"},
			want:   map[string][]string{LangEN: {`id="awaiting-reviewers">2 fund applications`}}},
		{page: "admin_training", role: models.RoleAdmin, data: app.AdminTraining{Courses: []models.Course{course},
			Enrollments:  []app.AwaitingResult{{Enrollment: models.Enrollment{ID: id, Status: workflows.EnrollmentEnrolled}, Course: "直播带货", Student: "陈静"}},
			Certificates: []models.Certificate{{Serial: serial, Status: workflows.CertificateValid, IssuedAt: now}}},
			form: url.Values{"form": {"result"}, "row": {id}, "score": {"101"}}, fields: map[string]string{"score": "bad"},
			want: map[string][]string{LangEN: {"陈静 · 直播带货", `id="score-` + id + `-err">bad`, "/verify/" + serial}}},
		{page: "admin_shops", role: models.RoleAdmin, data: []models.Shop{shop}, form: url.Values{"row": {id}, "verified": {"false"}},
			fields: map[string]string{"reason": "bad", "verified": "bad"},
			want:   map[string][]string{LangEN: {"/admin/shops/" + id + "/confirm", "The shop's host name tea.invalid does not exist"}}},
		{page: "admin_internships", role: models.RoleAdmin, data: app.AdminInternships{Places: []app.Place{place}, Rounds: []models.MatchRound{round}},
			form: url.Values{"row": {id}, "capacity": {"-1"}, "status": {"closed"}}, fields: map[string]string{"capacity": "bad"},
			want: map[string][]string{LangEN: {"/admin/places/" + id, `id="capacity-` + id + `-err">bad`, "— boom"}}},
		{page: "admin_list", role: models.RoleAdmin, data: listPage{Kind: "shops", Kinds: listKinds, States: []string{"pending", "verified"},
			Heads: []string{"list.shop", "list.status"}, Rows: []listRow{{ID: id, Status: "pending", Cells: []string{"周敏的茶铺", "pending"}}},
			Total: 10_000, Capped: true, Next: "/admin/lists/shops?cursor=x", Bulk: true, Outcomes: []string{"1 of 2 shops were decided."}},
			form: url.Values{"status": {"pending"}, "shop_ids": {id}}, fields: map[string]string{"q": "too long", "reason": "needed"},
			want: map[string][]string{LangEN: {`value="` + id + `" aria-label="Select 周敏的茶铺" checked`, "10000+", `id="f-q-err">too long`,
				"/admin/lists/shops?cursor=x", "1 of 2 shops were decided."}, LangZH: {"条结果", "应用于所选"}}},
		{page: "admin_list", role: models.RoleAdmin, data: listPage{Kind: "fund-applications", Kinds: listKinds, Export: "fund-applications"},
			want: map[string][]string{LangEN: {`/admin/exports/fund-applications.csv`, "Fund applications"}}},
		{page: "admin_audit", role: models.RoleAdmin, data: auditPage{Entries: []app.AuditEntry{{ID: id, At: now, ActorID: id, ActorRole: "admin",
			Action: app.AuditConfirmShop, EntityType: "shop", EntityID: id, IP: "203.0.113.9"}}, Next: "/admin/audit?cursor=y"},
			fields: map[string]string{"actor_id": "bad"},
			want:   map[string][]string{LangEN: {"shop.confirm", "203.0.113.9", "/admin/audit?cursor=y", `id="f-actor_id-err">bad`}}},
		{page: "admin_import", role: models.RoleAdmin, data: importState{Running: true, Done: 40, Total: 120},
			want: map[string][]string{LangEN: {`<progress id="progress" max="120" value="40">`}}},
		{page: "admin_import", role: models.RoleAdmin, data: importState{Report: app.ImportReport{Rows: 2, Errors: []app.RowError{
			{Row: 3, Field: "score", Msg: msg.New(msg.FieldWholeNumber)}}}},
			want: map[string][]string{LangEN: {"<td>3</td><td>score</td><td>must be a whole number</td>"}, LangZH: {"须为整数"}}},
	} {
		for _, lang := range []string{LangEN, LangZH} {
			v := view{Lang: lang, Title: "t", CSRF: "token", Path: "/" + tc.page, Notice: "notice", Fields: map[string]string{},
				Form: url.Values{}, Monitoring: "/monitoring/", Data: tc.data, Zone: i18n.DefaultZone()}
			if tc.role != "" {
				v.Account = &models.Account{ID: id, Role: tc.role}
			}
			if tc.form != nil {
				v.Form = tc.form
			}
			if tc.fields != nil {
				v.Fields = tc.fields
			}
			var buf bytes.Buffer
			require.NoError(t, pages[tc.page].ExecuteTemplate(&buf, "layout", v), "%s in %s", tc.page, lang)
			body := strings.ReplaceAll(buf.String(), "&#43;", "+")
			body = strings.ReplaceAll(body, "&#39;", "'")
			require.NotContains(t, body, "%!", "%s in %s: a bad format", tc.page, lang)
			for _, want := range tc.want[lang] {
				require.Contains(t, body, want, "%s in %s", tc.page, lang)
			}
		}
	}
}

// TestServerErrorPageShowsTheRequestID: the page of a server error says
// only that, in the page's language, with the request id to quote.
func TestServerErrorPageShowsTheRequestID(t *testing.T) {
	t.Parallel()
	pages, err := parseTemplates()
	require.NoError(t, err)
	for lang, want := range map[string]string{LangZH: "如需联系我们，请提供此请求编号：", LangEN: "If you contact us, quote this request id:"} {
		v := view{Lang: lang, Title: "t", Notice: text(lang, "error.internal"), RequestID: "req-123", Form: url.Values{}}
		var buf bytes.Buffer
		require.NoError(t, pages["error"].ExecuteTemplate(&buf, "layout", v))
		require.Contains(t, buf.String(), want)
		require.Contains(t, buf.String(), `<code id="request-id">req-123</code>`)
	}
}
