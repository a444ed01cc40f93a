package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// browserSignIn signs acct in through the sign-in page and waits for sel on
// the page it lands on.
func browserSignIn(t *testing.T, ctx context.Context, s *site, acct models.Account, sel string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(s.url+"/login?lang=en"),
		chromedp.WaitVisible("#email", chromedp.ByQuery),
		chromedp.SendKeys("#email", acct.Email, chromedp.ByQuery),
		chromedp.SendKeys("#password", fixtures.Password, chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
	)
}

// TestShopFormShowsTheCodeInBrowser: a verified student links a shop from
// the page and sees the verification code to put in its description.
func TestShopFormShowsTheCodeInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	student, _ := fixtures.VerifiedStudent(t, s.schema.DB, "周敏")
	browserSignIn(t, ctx, s, student, ".next")
	run(t, ctx, chromedp.Navigate(s.url+"/shops?lang=en"), chromedp.WaitVisible("#shop_name", chromedp.ByQuery))
	screenshots(t, ctx, "shop-form")
	run(t, ctx,
		chromedp.SendKeys("#shop_name", "周敏的茶铺", chromedp.ByQuery),
		chromedp.SendKeys("#shop_url", "ftp://tea.invalid/", chromedp.ByQuery),
		chromedp.SendKeys("#platform_shop_id", "tb-20260901", chromedp.ByQuery),
		chromedp.SendKeys("#category", "tea", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#shop_url-err", chromedp.ByQuery),
	)
	require.Equal(t, "must be an http(s) URL", textOf(t, ctx, "#shop_url-err"))
	require.Equal(t, "周敏的茶铺", value(t, ctx, "#shop_name"), "the form keeps what was typed")
	run(t, ctx,
		chromedp.SetValue("#shop_url", "https://tea.invalid/shop/1", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".code code", chromedp.ByQuery),
	)
	var shop models.Shop
	require.NoError(t, s.schema.DB.Take(&shop, "account_id = ?", student.ID).Error)
	require.Equal(t, shop.VerificationCode, textOf(t, ctx, "#code-"+shop.ID))
	screenshots(t, ctx, "shop-code")
	run(t, ctx, chromedp.Navigate(s.url+"/shops?lang=zh"), chromedp.WaitVisible(".code code", chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, "main"), "请把此验证码放进网店的公开简介")
	screenshots(t, ctx, "shop-code-zh")
}

// TestFundApplicationFromThePageReachesTheDashboard: the amount typed in
// yuan is filed in fen and the application shows on the dashboard.
func TestFundApplicationFromThePageReachesTheDashboard(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	fixtures.VerifiedShops(t, db, students)
	reviewer := fixtures.Reviewer(t, db, "")
	fixtures.FundProgram(t, db, []models.Account{reviewer}, func(p *models.FundProgram) {
		p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1
	})
	browserSignIn(t, ctx, s, students[0], ".next")
	run(t, ctx, chromedp.Navigate(s.url+"/fund?lang=en"), chromedp.WaitVisible("#amount", chromedp.ByQuery))
	run(t, ctx,
		chromedp.SendKeys("#amount", "850.3", chromedp.ByQuery),
		chromedp.SendKeys("#business_plan", "用直播卖家乡的手工竹编。", chromedp.ByQuery),
	)
	screenshots(t, ctx, "fund-form")
	run(t, ctx,
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=fund]`, chromedp.ByQuery),
	)
	var filed models.FundApplication
	require.NoError(t, db.Take(&filed, "account_id = ?", students[0].ID).Error)
	require.Equal(t, int64(85_030), filed.AmountFen)
	require.Contains(t, textOf(t, ctx, "#wf-fund-"+filed.ID+" h2"), "850.30")
	testenv.WaitFor(t, 20*time.Second, "screening to reach the reviewers", func() bool {
		run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`.state[data-kind=fund]`, chromedp.ByQuery))
		return stateOf(t, ctx, "fund") == workflows.FundInReview
	})
	require.Contains(t, textOf(t, ctx, "#wf-fund-"+filed.ID), "Withdraw the application")
	// The timeline says why, from the workers' coded reasons, in the page's language.
	timeline := "#wf-fund-" + filed.ID + " .timeline"
	run(t, ctx, chromedp.Click("#wf-fund-"+filed.ID+" details summary", chromedp.ByQuery), chromedp.WaitVisible(timeline, chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, timeline), "being screened → with the reviewers — Screening scored the application")
	screenshots(t, ctx, "dashboard-fund")
	run(t, ctx, chromedp.Navigate(s.url+"/dashboard?lang=zh"), chromedp.WaitVisible(`.state[data-kind=fund]`, chromedp.ByQuery),
		chromedp.Click("#wf-fund-"+filed.ID+" details summary", chromedp.ByQuery), chromedp.WaitVisible(timeline, chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, timeline), "初审中 → 评审中 — 初审完成：系统评分")
	screenshots(t, ctx, "dashboard-fund-zh")
}

// TestInternshipRankingInBrowser: ranking a place twice shows the API's
// message beside the choices; fixed, the ranking is filed and shows on the
// dashboard.
func TestInternshipRankingInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	places := []app.Place{
		s.createPlace("阿里巴巴", "店铺运营实习", "杭州", 3, "直播"),
		s.createPlace("京东", "数据分析实习", "北京", 2, "SQL"),
		s.createPlace("拼多多", "选品实习", "上海", 1),
	}
	student, _ := fixtures.VerifiedStudent(t, db, "黄磊")
	browserSignIn(t, ctx, s, student, ".next")
	run(t, ctx,
		chromedp.Navigate(s.url+"/internships?lang=en"),
		chromedp.WaitVisible("#pref-1", chromedp.ByQuery),
		chromedp.SetValue("#pref-1", places[1].ID, chromedp.ByQuery),
		chromedp.SetValue("#pref-2", places[1].ID, chromedp.ByQuery),
		chromedp.SendKeys("#skills", "SQL, 直播", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#preferences-err", chromedp.ByQuery),
	)
	require.Equal(t, "item 2 lists a place already ranked; rank each place once", textOf(t, ctx, "#preferences-err"))
	require.Equal(t, places[1].ID, value(t, ctx, "#pref-1"), "the choices are kept")
	require.Equal(t, "Choice 2", textOf(t, ctx, "label[for=pref-2]"))
	require.Equal(t, "SQL, 直播", value(t, ctx, "#skills"))
	require.Zero(t, count(t, s, "SELECT count(*) FROM internship_applications"))
	screenshots(t, ctx, "internship-duplicate")

	run(t, ctx,
		chromedp.SetValue("#pref-2", places[0].ID, chromedp.ByQuery),
		chromedp.SetValue("#pref-4", places[2].ID, chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=internship]`, chromedp.ByQuery),
	)
	require.Equal(t, workflows.InternshipPending, stateOf(t, ctx, "internship"))
	var filed models.InternshipApplication
	require.NoError(t, db.Take(&filed, "account_id = ?", student.ID).Error)
	require.Equal(t, []string{places[1].ID, places[0].ID, places[2].ID}, []string(filed.Preferences), "best first, the blank choice skipped")
	require.Equal(t, []string{"SQL", "直播"}, []string(filed.Skills))
}

// TestAdminAndCoursePagesRender: the admin forms and the course list open
// in both languages (and are photographed for review).
func TestAdminAndCoursePagesRender(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	fixtures.Reviewer(t, db, "")
	fixtures.FundProgram(t, db, nil, nil)
	course := fixtures.Course(t, db, 60)
	student, _ := fixtures.VerifiedStudent(t, db, "孙丽")
	_, err := s.app.Enroll(context.Background(), app.ActorOf(student), course.ID)
	require.NoError(t, err)
	s.delayedShop(student, app.ShopInput{
		PlatformShopID: "jd-7", ShopURL: "https://bamboo.invalid/", ShopName: "孙丽竹编", Category: "crafts"})
	s.createPlace("美团", "商家运营", "深圳", 4)

	browserSignIn(t, ctx, s, fixtures.Account(t, db, models.RoleAdmin), "#role")
	for _, p := range []struct{ path, sel, name string }{
		{"/admin/fund?lang=en", "#budget", "admin-fund"},
		{"/admin/training?lang=en", `input[name=score]`, "admin-training"},
		{"/admin/shops?lang=en", "input[name=verified]", "admin-shops"},
		{"/admin/internships?lang=zh", "#capacity", "admin-internships-zh"},
	} {
		run(t, ctx, chromedp.Navigate(s.url+p.path), chromedp.WaitVisible(p.sel, chromedp.ByQuery))
		screenshots(t, ctx, p.name)
	}
	run(t, ctx, chromedp.Navigate(s.url+"/admin?lang=en"), chromedp.WaitVisible("#role", chromedp.ByQuery),
		chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible("#students", chromedp.ByQuery))
	browserSignIn(t, ctx, s, student, ".next")
	run(t, ctx, chromedp.Navigate(s.url+"/courses?lang=zh"), chromedp.WaitVisible("#course-"+course.ID, chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, "#course-"+course.ID), "已报名", "the state in the page's language")
	screenshots(t, ctx, "courses-zh")
}
