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
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestReviewerWorkbenchInBrowser: a reviewer's queue shows each
// assignment's applicant, college, shop, ask against the cap and due date
// (overdue flagged) with the total; they review one, declare a conflict
// on another, and find their review in their history; an admin reads the
// programme's ranking with calibrated scores and the reviewers' severity.
func TestReviewerWorkbenchInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	ctxBg := context.Background()
	students, college := fixtures.VerifiedStudents(t, db, 3)
	shops := fixtures.VerifiedShops(t, db, students)
	reviewer, second, third := fixtures.Reviewer(t, db, ""), fixtures.Reviewer(t, db, ""), fixtures.Reviewer(t, db, "")
	prog := fixtures.FundProgram(t, db, []models.Account{reviewer, second, third}, func(p *models.FundProgram) {
		p.Name, p.MaxGrantFen = "2026 秋季创业基金", 200_000
	})
	admin := fixtures.Account(t, db, models.RoleAdmin)
	rubric, err := s.app.SetRubric(ctxBg, app.ActorOf(admin), prog.ID, app.RubricInput{Criteria: []app.CriterionInput{
		{NameZH: "商业计划", NameEN: "Business plan", Weight: 3, MaxPoints: 10},
		{NameZH: "市场与客户", NameEN: "Market and customers", Weight: 2, MaxPoints: 10},
		{NameZH: "网店经营记录", NameEN: "Shop record", Weight: 1, MaxPoints: 5},
	}})
	require.NoError(t, err)
	plans := []string{
		"开一家卖手工茶具的网店：第一季度进货 8,000 元，直播每周三次，目标月销 2 万元。",
		"校园二手教材循环平台：按学期收书，清洗编目后七折出售，利润用于扩充库存。",
		"家乡竹编饰品：与三位手艺人合作，小批量定制，抖音与淘宝双店经营。",
	}
	ids := make([]string, len(students))
	for i, st := range students {
		sub, err := s.app.SubmitFund(ctxBg, app.ActorOf(st), app.FundInput{
			ProgramID: prog.ID, ShopID: shops[i].ID, AmountFen: int64(50_000 + 40_000*i), BusinessPlan: plans[i]})
		require.NoError(t, err)
		ids[i] = sub.ID
	}
	for _, id := range ids {
		testenv.WaitFor(t, 20*time.Second, "screening to assign reviewers", func() bool { return status(t, s, id) == workflows.FundInReview })
	}
	// The reviewer is on every application (the panel is three, two per
	// application: make sure of it), and the first is two days overdue.
	for _, id := range ids {
		var n int64
		require.NoError(t, db.Model(&models.FundReview{}).Where("application_id = ? AND reviewer_id = ?", id, reviewer.ID).Count(&n).Error)
		if n == 0 {
			require.NoError(t, db.Exec(`UPDATE fund_reviews SET reviewer_id = ? WHERE id = (SELECT id FROM fund_reviews
				WHERE application_id = ? ORDER BY id LIMIT 1)`, reviewer.ID, id).Error)
		}
	}
	require.NoError(t, db.Exec(`UPDATE fund_reviews SET due_at = now() - interval '2 days' WHERE application_id = ? AND reviewer_id = ?`,
		ids[0], reviewer.ID).Error)

	browserSignIn(t, ctx, s, reviewer, `form[action="/logout"]`)
	run(t, ctx, chromedp.Navigate(s.url+"/reviews?lang=en"), chromedp.WaitVisible(".queue", chromedp.ByQuery))
	require.Equal(t, "3 in total", textOf(t, ctx, "#queue-total"))
	first := textOf(t, ctx, ".queue li:first-child")
	require.Contains(t, first, "overdue", "the overdue assignment comes first, flagged")
	require.Contains(t, first, college.NameEN)
	require.Contains(t, first, "of a 2,000.00 yuan cap")
	screenshots(t, ctx, "review-queue")

	run(t, ctx, chromedp.Click(`.queue li:first-child a.button`, chromedp.ByQuery), chromedp.WaitVisible("#auto-score", chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, ".facts"), "Applicant")
	require.NotContains(t, textOf(t, ctx, ".facts"), "student card", "the reviewer's label, not the applicant's")
	require.Contains(t, textOf(t, ctx, "#auto-score"), "triage only")
	run(t, ctx,
		chromedp.Click(`input[name=decision][value=approve]`, chromedp.ByQuery),
		chromedp.SendKeys("#points_"+rubric[0].ID, "8", chromedp.ByQuery),
		chromedp.SendKeys("#comment_"+rubric[0].ID, "Costs are worked out.", chromedp.ByQuery),
		chromedp.SendKeys("#points_"+rubric[1].ID, "7", chromedp.ByQuery),
		chromedp.SendKeys("#points_"+rubric[2].ID, "4", chromedp.ByQuery),
		chromedp.SendKeys("#comment", "The live-stream plan is credible.", chromedp.ByQuery),
	)
	screenshots(t, ctx, "review-form")
	run(t, ctx,
		chromedp.Click(`form.form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".notice", chromedp.ByQuery),
	)
	require.Equal(t, "2 in total", textOf(t, ctx, "#queue-total"))

	// A conflict of interest on the next one: it leaves the queue.
	run(t, ctx,
		chromedp.Click(`.queue li:first-child a.button`, chromedp.ByQuery),
		chromedp.WaitVisible("details.card summary", chromedp.ByQuery),
		chromedp.Click("details.card summary", chromedp.ByQuery),
		chromedp.SendKeys("#note", "The applicant is my cousin.", chromedp.ByQuery),
		chromedp.Click(`details.card button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(".notice", chromedp.ByQuery),
	)
	require.Contains(t, textOf(t, ctx, ".notice"), "conflict of interest was recorded")
	require.Equal(t, "1 in total", textOf(t, ctx, "#queue-total"))

	run(t, ctx, chromedp.Navigate(s.url+"/reviews?status=done"), chromedp.WaitVisible(".queue", chromedp.ByQuery))
	require.Equal(t, "1 in total", textOf(t, ctx, "#queue-total"))
	require.Contains(t, textOf(t, ctx, ".queue"), "Your review: Approve, 8/10", "10 × (3×8/10 + 2×7/10 + 4/5) / 6 = 7.67")

	// The other reviews come in; the admin reads the ranking.
	var open []models.FundReview
	require.NoError(t, db.Where("status = ? AND reviewer_id <> ?", workflows.ReviewAssigned, reviewer.ID).Order("id").Find(&open).Error)
	for i, r := range open {
		_, err := s.app.SubmitReview(ctxBg, app.Actor{ID: r.ReviewerID, Role: models.RoleReviewer}, r.ApplicationID,
			app.ReviewInput{Decision: workflows.ReviewApprove, Comment: "Reasonable.", Criteria: []app.CriterionScoreInput{
				{CriterionID: rubric[0].ID, Points: 5 + i%3}, {CriterionID: rubric[1].ID, Points: 6}, {CriterionID: rubric[2].ID, Points: 3}}})
		require.NoError(t, err)
	}
	run(t, ctx, network.ClearBrowserCookies())
	browserSignIn(t, ctx, s, admin, `form[action="/logout"]`)
	run(t, ctx, chromedp.Navigate(s.url+"/admin/fund/programs/"+prog.ID+"/ranking?lang=en"), chromedp.WaitVisible("#ranking", chromedp.ByQuery))
	require.Contains(t, textOf(t, ctx, "#ranking"), "Calibrated")
	require.Contains(t, textOf(t, ctx, "#severity"), reviewer.Name)
	screenshots(t, ctx, "admin-ranking")
}
