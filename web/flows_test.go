package web_test

import (
	"context"
	"strconv"
	"strings"
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

// TestApplicantOnboardsInBrowser: an applicant registers, submits the
// onboarding form, sees the API's message beside a bad field, fixes it and
// then enters the code mailed to the college address (a wrong one first,
// refused beside the field) and sees verified on the dashboard.
func TestApplicantOnboardsInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	college, domain := fixtures.College(t, s.schema.DB)
	form := fixtures.OnboardingForm(college, domain)
	email := "li.hua." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"

	run(t, ctx, chromedp.Navigate(s.url+"/?lang=zh"), chromedp.WaitVisible("#students", chromedp.ByQuery))
	screenshots(t, ctx, "home-zh")
	run(t, ctx,
		chromedp.Navigate(s.url+"/register?lang=en"),
		chromedp.SendKeys("#name", "Li Hua", chromedp.ByQuery),
		chromedp.SendKeys("#email", email, chromedp.ByQuery),
		chromedp.SendKeys("#password", "a-long-password", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".next", chromedp.ByQuery),
	)
	require.Contains(t, textOf(t, ctx, ".next"), "Fill in the student verification form")

	fill := func(phone string) {
		run(t, ctx,
			chromedp.Navigate(s.url+"/onboarding"),
			chromedp.WaitVisible("#college_id", chromedp.ByQuery),
			chromedp.SetValue("#college_id", college.ID, chromedp.ByQuery),
			chromedp.SetValue("#student_number", form.StudentNumber, chromedp.ByQuery),
			chromedp.SetValue("#full_name", form.FullName, chromedp.ByQuery),
			chromedp.SetValue("#enrollment_year", strconv.Itoa(form.EnrollmentYear), chromedp.ByQuery),
			chromedp.SetValue("#major", form.Major, chromedp.ByQuery),
			chromedp.SetValue("#college_email", form.CollegeEmail, chromedp.ByQuery),
			chromedp.SetValue("#phone", phone, chromedp.ByQuery),
			chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		)
	}
	fill("12345")
	run(t, ctx, chromedp.WaitVisible("#phone-err", chromedp.ByQuery))
	require.Equal(t, "must be a mainland mobile number such as 13812345678", textOf(t, ctx, "#phone-err"))
	var invalid string
	run(t, ctx, chromedp.AttributeValue("#phone", "aria-invalid", &invalid, nil, chromedp.ByQuery))
	require.Equal(t, "true", invalid)
	require.Equal(t, form.StudentNumber, value(t, ctx, "#student_number"), "the form keeps what was typed")
	screenshots(t, ctx, "onboarding-error")
	require.Zero(t, count(t, s, "SELECT count(*) FROM student_profiles"), "a refused form writes nothing")

	fill(form.Phone)
	run(t, ctx, chromedp.WaitVisible(`.state[data-kind=onboarding]`, chromedp.ByQuery))
	testenv.WaitFor(t, 20*time.Second, "the dashboard to ask for the e-mail code", func() bool {
		run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`.state[data-kind=onboarding]`, chromedp.ByQuery))
		return stateOf(t, ctx, "onboarding") == workflows.OnboardingAwaitingEmail
	})
	require.Contains(t, textOf(t, ctx, ".next"), "Enter the six-digit code")
	code := s.emailCode(form.CollegeEmail, 0)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	enter := func(code string) {
		run(t, ctx, chromedp.Navigate(s.url+"/onboarding"), chromedp.WaitVisible("#code", chromedp.ByQuery),
			chromedp.SetValue("#code", code, chromedp.ByQuery),
			chromedp.Click(`#email-code form.form button[type=submit]`, chromedp.ByQuery))
	}
	enter(wrong)
	run(t, ctx, chromedp.WaitVisible("#code-err", chromedp.ByQuery))
	require.Equal(t, "That code is not right; 4 tries left.", textOf(t, ctx, "#code-err"))
	screenshots(t, ctx, "onboarding-code-wrong")
	enter(code)
	run(t, ctx, chromedp.WaitVisible(`.next`, chromedp.ByQuery),
		chromedp.WaitVisible(`.state[data-kind=onboarding][data-state=verified]`, chromedp.ByQuery))
	require.Equal(t, workflows.OnboardingVerified, stateOf(t, ctx, "onboarding"), "back on the dashboard, verified")
	require.Contains(t, textOf(t, ctx, ".next"), "Link the online shop")
	screenshots(t, ctx, "dashboard")
	run(t, ctx, chromedp.Navigate(s.url+"/dashboard?lang=zh"), chromedp.WaitVisible(".next", chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, ".next"), "绑定您开设的网店")
	// The timeline names the states in the page's language.
	run(t, ctx, chromedp.Click(`.workflow details summary`, chromedp.ByQuery), chromedp.WaitVisible(`.workflow .timeline`, chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, ".workflow .timeline"), "审核中 → 待邮箱验证")
	require.Contains(t, textOf(t, ctx, ".workflow .timeline"), "待邮箱验证 → 已认证")
	screenshots(t, ctx, "dashboard-zh")
}

// TestReviewerApprovesInBrowser: a reviewer signs in, opens the queue,
// sees the automatic score and approves; the application is decided.
func TestReviewerApprovesInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	students, _ := fixtures.VerifiedStudents(t, db, 1)
	shops := fixtures.VerifiedShops(t, db, students)
	reviewer := fixtures.Reviewer(t, db, "")
	prog := fixtures.FundProgram(t, db, []models.Account{reviewer}, func(p *models.FundProgram) {
		p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1
	})
	sub, err := s.app.SubmitFund(context.Background(), app.ActorOf(students[0]), app.FundInput{
		ProgramID: prog.ID, ShopID: shops[0].ID, AmountFen: 50_000, BusinessPlan: "开一家卖手工茶具的网店。",
	})
	require.NoError(t, err)
	appID := sub.ID
	testenv.WaitFor(t, 20*time.Second, "screening to assign the reviewer", func() bool {
		return status(t, s, appID) == workflows.FundInReview
	})
	var score int
	require.NoError(t, db.Raw("SELECT score FROM fund_applications WHERE id = ?", appID).Row().Scan(&score))

	run(t, ctx,
		chromedp.Navigate(s.url+"/reviews?lang=en"),
		chromedp.WaitVisible("#email", chromedp.ByQuery),
		chromedp.SendKeys("#email", reviewer.Email, chromedp.ByQuery),
		chromedp.SendKeys("#password", fixtures.Password, chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".queue", chromedp.ByQuery),
	)
	screenshots(t, ctx, "review-queue")
	run(t, ctx, chromedp.Click(`.queue a.button`, chromedp.ByQuery), chromedp.WaitVisible("#auto-score", chromedp.ByQuery))
	require.True(t, strings.HasPrefix(textOf(t, ctx, "#auto-score"), strconv.Itoa(score)), "the automatic score is shown")
	require.Contains(t, textOf(t, ctx, ".plan"), "手工茶具")
	screenshots(t, ctx, "review-form-default-rubric")
	run(t, ctx,
		chromedp.Click(`input[name=decision][value=approve]`, chromedp.ByQuery),
		chromedp.SetValue("#score", "8", chromedp.ByQuery),
		chromedp.SendKeys("#comment", "A clear plan.", chromedp.ByQuery),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".notice", chromedp.ByQuery),
	)
	require.Contains(t, textOf(t, ctx, "main"), "Nothing waiting for you")
	testenv.WaitFor(t, 20*time.Second, "the application to be approved", func() bool {
		st := status(t, s, appID)
		return st == workflows.FundApproved || st == workflows.FundDisbursed
	})
}

// TestVerifyPageShowsRevocation: the public verify page shows a
// certificate valid, then revoked once an admin revokes it.
func TestVerifyPageShowsRevocation(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	holder, _ := fixtures.VerifiedStudent(t, db, "王小明")
	fixtures.PassedEnrollment(t, db, holder, fixtures.Course(t, db, 60))
	var serial string
	testenv.WaitFor(t, 20*time.Second, "the certificate to be issued", func() bool {
		return db.Raw("SELECT serial FROM certificates WHERE account_id = ?", holder.ID).Row().Scan(&serial) == nil
	})

	run(t, ctx, chromedp.Navigate(s.url+"/verify/"+strings.ToLower(serial)+"?lang=en"), chromedp.WaitVisible("#verdict", chromedp.ByQuery))
	require.True(t, strings.HasPrefix(textOf(t, ctx, "#verdict"), "valid"), textOf(t, ctx, "#verdict"))
	require.Contains(t, textOf(t, ctx, ".facts"), "王小明")
	screenshots(t, ctx, "verify-valid")

	admin := fixtures.Account(t, db, models.RoleAdmin)
	_, err := s.app.RevokeCertificate(context.Background(), app.ActorOf(admin), serial, app.RevokeInput{Reason: "issued by mistake"})
	require.NoError(t, err)
	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible("#verdict", chromedp.ByQuery))
	require.True(t, strings.HasPrefix(textOf(t, ctx, "#verdict"), "revoked"), textOf(t, ctx, "#verdict"))
	screenshots(t, ctx, "verify-revoked")
}

// TestFormWithoutCSRFIsRefusedInBrowser: the register form, posted by the
// browser without its token, is refused and creates no account.
func TestFormWithoutCSRFIsRefusedInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	run(t, ctx,
		chromedp.Navigate(s.url+"/register?lang=en"),
		chromedp.SendKeys("#name", "Mallory", chromedp.ByQuery),
		chromedp.SendKeys("#email", "mallory@example.com", chromedp.ByQuery),
		chromedp.SendKeys("#password", "a-long-password", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('input[name=csrf]').remove()`, nil),
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".notice", chromedp.ByQuery),
	)
	require.Contains(t, textOf(t, ctx, ".notice"), "This form expired or came from another site")
	require.Zero(t, count(t, s, "SELECT count(*) FROM accounts WHERE email = 'mallory@example.com'"))
}

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var v string
	run(t, ctx, chromedp.Value(sel, &v, chromedp.ByQuery))
	return v
}

func count(t *testing.T, s *site, query string) int {
	t.Helper()
	var n int
	require.NoError(t, s.schema.DB.Raw(query).Row().Scan(&n))
	return n
}

func status(t *testing.T, s *site, appID string) string {
	t.Helper()
	var st string
	require.NoError(t, s.schema.DB.Raw("SELECT status FROM fund_applications WHERE id = ?", appID).Row().Scan(&st))
	return st
}
