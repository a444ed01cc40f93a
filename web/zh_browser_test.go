package web_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// properNames are the only English words a Chinese page may show: the
// language switch's own name and the file format (times read 北京时间).
var properNames = map[string]bool{"English": true, "PDF": true}

var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// englishWords are the Latin words in the visible text of the page (codes
// and serials in <code> aside) that are neither proper names nor in
// verbatim, what the person typed and the identifiers the system gave them
// (a certificate's serial and verify URL in its timeline).
func englishWords(t *testing.T, ctx context.Context, verbatim string) []string {
	t.Helper()
	var text string
	run(t, ctx, chromedp.Evaluate(`(() => { const b = document.body.cloneNode(true);
		b.querySelectorAll("code, script, style").forEach(e => e.remove()); return b.innerText || b.textContent; })()`, &text))
	var found []string
	for _, w := range latinWord.FindAllString(text, -1) {
		if !properNames[w] && !strings.Contains(verbatim, w) {
			found = append(found, w)
		}
	}
	return found
}

// axeSource is axe-core, installed from npm by scripts/services.sh (pinned
// by web/testdata/axe/package-lock.json).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/axe/node_modules/axe-core/axe.min.js")
	require.NoError(t, err, "axe-core is missing: run `bash scripts/services.sh` (npm ci in web/testdata/axe)")
	return string(b)
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// seriousViolations runs axe-core on the page: the serious and critical
// violations.
func seriousViolations(t *testing.T, ctx context.Context, axe string) []axeViolation {
	t.Helper()
	var loaded bool
	run(t, ctx, chromedp.Evaluate(`typeof axe !== "undefined"`, &loaded))
	if !loaded {
		run(t, ctx, chromedp.Evaluate(axe+";true", &loaded))
	}
	var raw string
	run(t, ctx, chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
			id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))}))))`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var out []axeViolation
	require.NoError(t, json.Unmarshal([]byte(raw), &out))
	return out
}

// TestApplicantJourneyInChinese walks the applicant's journey in a
// Chromium that asks for zh-CN: the public pages (home, sign-in, verify
// lookup, not found), register, a form with an error, onboarding
// (verified while the dashboard watches), a shop, a course, a fund
// application, an internship ranking, notifications and a certificate's
// verify page. No page
// shows an English word beyond proper names, what the person typed and the
// identifiers they were given, and
// axe-core finds no serious or critical accessibility violation on any.
func TestApplicantJourneyInChinese(t *testing.T) {
	t.Parallel()
	s := newSiteWith(t, app.Config{ShopCheckDelay: time.Hour}) // shops wait for the admin
	ctx := tab(t)
	db := s.schema.DB
	bg := context.Background()
	axe := axeSource(t)
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	domain := "zjut" + time.Now().Format("150405") + ".edu.cn"
	college := models.College{ID: models.NewID(), Name: "浙江工业大学", NameEN: "Zhejiang University of Technology",
		Province: "浙江", EmailDomains: []string{domain}}
	require.NoError(t, db.Create(&college).Error)
	pass := 60
	course, err := s.app.CreateCourse(bg, admin, app.CourseInput{Title: "直播带货入门", Description: "从零开始学习直播带货。", PassScore: &pass})
	require.NoError(t, err)
	fixtures.FundProgram(t, db, nil, func(p *models.FundProgram) { p.Name = "2026 秋季创业基金" })
	place := s.createPlace("阿里巴巴", "店铺运营实习", "杭州", 3)

	email := "wang.fang." + time.Now().Format("150405.000") + "@example.com"
	shopURL := "https://wangfang-tea.invalid/"
	typed := email + " " + shopURL + " " + domain
	run(t, ctx, network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}))
	check := func(page string) {
		t.Helper()
		require.Empty(t, englishWords(t, ctx, typed), "%s shows English words", page)
		require.Empty(t, seriousViolations(t, ctx, axe), "%s: axe-core's serious and critical violations", page)
	}

	// The checks can fail: an English page has English words, and an image
	// without a text alternative is a critical violation.
	run(t, ctx, chromedp.Navigate(s.url+"/register?lang=en"), chromedp.WaitVisible("#name", chromedp.ByQuery))
	require.Contains(t, englishWords(t, ctx, typed), "Register")
	run(t, ctx, chromedp.Evaluate(`document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/none.png">')`, nil))
	require.NotEmpty(t, seriousViolations(t, ctx, axe), "an image without alt")

	// From here the browser's Accept-Language alone chooses the language.
	run(t, ctx, network.ClearBrowserCookies(), chromedp.Navigate(s.url+"/"), chromedp.WaitVisible("#students", chromedp.ByQuery))
	check("home")
	run(t, ctx, chromedp.Navigate(s.url+"/login"), chromedp.WaitVisible("#email", chromedp.ByQuery))
	check("sign-in")
	run(t, ctx, chromedp.Navigate(s.url+"/verify"), chromedp.WaitVisible("#serial", chromedp.ByQuery))
	check("verify lookup")
	run(t, ctx, chromedp.Navigate(s.url+"/no/such/page"), chromedp.WaitVisible("main", chromedp.ByQuery))
	check("not found")
	run(t, ctx, chromedp.Navigate(s.url+"/register"), chromedp.WaitVisible("#name", chromedp.ByQuery))
	check("register")
	run(t, ctx,
		chromedp.SendKeys("#name", "王芳", chromedp.ByQuery),
		chromedp.SendKeys("#email", email, chromedp.ByQuery),
		chromedp.SendKeys("#password", "a-long-password", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".next", chromedp.ByQuery))
	check("dashboard, new")

	fill := func(phone string) {
		run(t, ctx,
			chromedp.Navigate(s.url+"/onboarding"), chromedp.WaitVisible("#college_id", chromedp.ByQuery),
			chromedp.SetValue("#college_id", college.ID, chromedp.ByQuery),
			chromedp.SetValue("#student_number", "2023100001", chromedp.ByQuery),
			chromedp.SetValue("#full_name", "王芳", chromedp.ByQuery),
			chromedp.SetValue("#enrollment_year", "2023", chromedp.ByQuery),
			chromedp.SetValue("#major", "电子商务", chromedp.ByQuery),
			chromedp.SetValue("#college_email", "wf@"+domain, chromedp.ByQuery),
			chromedp.SetValue("#phone", phone, chromedp.ByQuery),
			chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery))
	}
	fill("12345")
	run(t, ctx, chromedp.WaitVisible("#phone-err", chromedp.ByQuery))
	require.Equal(t, "须为中国大陆手机号，例如 13812345678", textOf(t, ctx, "#phone-err"))
	check("onboarding with an error")
	screenshots(t, ctx, "zh-form-error")
	// Every field and the button are reached with the Tab key, in order.
	require.Equal(t, []string{"college_id", "student_number", "full_name", "enrollment_year", "major", "college_email", "phone", "submit"},
		tabOrder(t, ctx, "form.form", 8))

	fill("13812345678")
	run(t, ctx, chromedp.WaitVisible(`.state[data-kind=onboarding]`, chromedp.ByQuery))
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = chromedp.Run(wait, chromedp.WaitVisible(`.state[data-kind=onboarding][data-state=awaiting_email]`, chromedp.ByQuery))
	cancel()
	require.NoError(t, err, "the dashboard shows by itself that the e-mail code is awaited")
	require.Contains(t, textOf(t, ctx, ".next"), "六位验证码")
	check("dashboard, awaiting the e-mail code")
	// The code from the mail, typed on the onboarding page.
	run(t, ctx, chromedp.Navigate(s.url+"/onboarding"), chromedp.WaitVisible("#code", chromedp.ByQuery))
	check("onboarding, the code form")
	screenshots(t, ctx, "zh-email-code")
	run(t, ctx, chromedp.SendKeys("#code", "12ab", chromedp.ByQuery),
		chromedp.Click(`#email-code form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#code-err", chromedp.ByQuery))
	require.Equal(t, "验证码是我们发到您学校邮箱的邮件中的六位数字。", textOf(t, ctx, "#code-err"))
	check("onboarding, a malformed code")
	screenshots(t, ctx, "zh-email-code-error")
	code := s.emailCode("wf@"+domain, 0)
	run(t, ctx, chromedp.SetValue("#code", code, chromedp.ByQuery),
		chromedp.Click(`#email-code form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=onboarding][data-state=verified]`, chromedp.ByQuery))
	check("dashboard, verified")

	run(t, ctx, chromedp.Navigate(s.url+"/shops"), chromedp.WaitVisible("#shop_name", chromedp.ByQuery),
		chromedp.SendKeys("#shop_name", "王芳的茶铺", chromedp.ByQuery),
		chromedp.SendKeys("#shop_url", shopURL, chromedp.ByQuery),
		chromedp.SendKeys("#platform_shop_id", "tb", chromedp.ByQuery),
		chromedp.SendKeys("#category", "茶叶", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=shop]`, chromedp.ByQuery))
	typed += " tb"
	check("shops")
	var shopID string
	require.NoError(t, db.Raw(`SELECT id FROM shops`).Row().Scan(&shopID))
	verified := true
	_, err = s.app.ConfirmShop(bg, admin, shopID, app.ConfirmShopInput{Verified: &verified})
	require.NoError(t, err)

	run(t, ctx, chromedp.Navigate(s.url+"/courses"), chromedp.WaitVisible("#course-"+course.ID, chromedp.ByQuery),
		chromedp.Click("#course-"+course.ID+" button", chromedp.ByQuery), chromedp.WaitVisible("#course-"+course.ID+" .state", chromedp.ByQuery))
	check("courses")
	run(t, ctx, chromedp.Navigate(s.url+"/fund"), chromedp.WaitVisible("#shop_id", chromedp.ByQuery))
	check("fund")
	run(t, ctx, chromedp.SendKeys("#amount", "800", chromedp.ByQuery),
		chromedp.SendKeys("#business_plan", "在淘宝开一家茶叶店，通过直播介绍家乡的茶。", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=fund]`, chromedp.ByQuery))
	check("dashboard, fund applied")
	run(t, ctx, chromedp.Navigate(s.url+"/internships"), chromedp.WaitVisible("#pref-1", chromedp.ByQuery))
	check("internships")
	run(t, ctx, chromedp.SetValue("#pref-1", place.ID, chromedp.ByQuery),
		chromedp.SendKeys("#skills", "直播，客服", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=internship]`, chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, ".next"), "您的基金申请正在评审中", "no second fund application is suggested")
	check("dashboard, internship ranked")

	// The course is passed: the worker issues the certificate.
	var enrollmentID string
	require.NoError(t, db.Raw(`SELECT id FROM enrollments`).Row().Scan(&enrollmentID))
	_, err = s.app.RecordResult(bg, admin, enrollmentID, app.ResultInput{Score: &pass})
	require.NoError(t, err)
	var serial string
	testenv.WaitFor(t, 30*time.Second, "the certificate", func() bool {
		return db.Raw(`SELECT serial FROM certificates`).Row().Scan(&serial) == nil
	})
	typed += " " + serial + " " + s.url + "/verify/" + serial
	testenv.WaitFor(t, 30*time.Second, "the enrollment certified", func() bool {
		return count(t, s, "SELECT count(*) FROM enrollments WHERE status = '"+workflows.EnrollmentCertified+"'") == 1
	})
	run(t, ctx, chromedp.Navigate(s.url+"/dashboard"), chromedp.WaitVisible(".next", chromedp.ByQuery))
	check("dashboard, certified")
	screenshots(t, ctx, "zh-dashboard")

	run(t, ctx, chromedp.Navigate(s.url+"/notifications"), chromedp.WaitVisible("#notifications", chromedp.ByQuery))
	check("notifications")
	screenshots(t, ctx, "zh-notifications")

	run(t, ctx, chromedp.Navigate(s.url+"/verify/"+serial), chromedp.WaitVisible("#verdict", chromedp.ByQuery))
	require.Equal(t, "有效：该证书真实且有效。", textOf(t, ctx, "#verdict"))
	require.Equal(t, "明日网商项目", textOf(t, ctx, "#issuer"), "this programme, named in the page's language")
	check("verify")
	screenshots(t, ctx, "zh-verify")
}

// tabOrder focuses the page's start and presses Tab until n controls of
// the element sel have had the focus: their ids ("submit" for a submit
// button), in the order reached.
func tabOrder(t *testing.T, ctx context.Context, sel string, n int) []string {
	t.Helper()
	run(t, ctx, chromedp.Evaluate(`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`, nil))
	var order []string
	for range 60 {
		var id string
		run(t, ctx, chromedp.KeyEvent("\t"), chromedp.Evaluate(`(() => { const e = document.activeElement;
			if (!e || !e.closest(`+"`"+sel+"`"+`)) return "";
			return e.type === "submit" ? "submit" : e.id; })()`, &id))
		if id != "" && !slices.Contains(order, id) {
			order = append(order, id)
		}
		if len(order) == n {
			break
		}
	}
	return order
}
