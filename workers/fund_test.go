package workers_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

func fundHandler(now func() time.Time) *workers.Fund {
	return &workers.Fund{Now: now, Payments: workflows.LedgerPayments{}}
}

func (e *engine) app(id string) models.FundApplication {
	e.t.Helper()
	var a models.FundApplication
	require.NoError(e.t, e.schema.DB.Take(&a, "id = ?", id).Error)
	return a
}

func (e *engine) program(id string) models.FundProgram {
	e.t.Helper()
	var p models.FundProgram
	require.NoError(e.t, e.schema.DB.Take(&p, "id = ?", id).Error)
	return p
}

// taskOf returns the id of the newest outbox row of type typ for the
// application (or programme) id.
func (e *engine) taskOf(typ, key, id string) string {
	e.t.Helper()
	var out string
	require.NoError(e.t, e.schema.DB.Raw(`SELECT id FROM `+e.tasks+` WHERE task_type = ? AND payload->>? = ? ORDER BY id DESC LIMIT 1`,
		typ, key, id).Row().Scan(&out), "%s for %s", typ, id)
	return out
}

// run delivers the newest task of type typ for the application id.
func (e *engine) run(h *workers.Fund, typ, id string) error {
	e.t.Helper()
	steps := map[string]struct {
		step    workers.Step
		failure workers.Failure
	}{
		workflows.TypeFundScreen:         {h.Screen, h.ScreenFailed},
		workflows.TypeFundReviewDeadline: {h.ReviewDeadline, nil},
		workflows.TypeFundDecide:         {h.Decide, nil},
		workflows.TypeFundDisburse:       {h.Disburse, h.DisburseFailed},
	}
	s := steps[typ]
	return e.runner.Execute(context.Background(), e.runOf(e.taskOf(typ, "application_id", id), 0), s.step, s.failure)
}

func (e *engine) promote(h *workers.Fund, programID string) {
	e.t.Helper()
	require.NoError(e.t, e.runner.Execute(context.Background(),
		e.runOf(e.taskOf(workflows.TypeFundPromote, "program_id", programID), 0), h.Promote, nil))
}

func (e *engine) requireLedgerMatches(programID string) models.FundProgram {
	e.t.Helper()
	p := e.program(programID)
	reserved, disbursed := fixtures.LedgerTotals(e.t, e.schema.DB, programID)
	require.Equal(e.t, p.ReservedFen, reserved, "reserved_fen is the ledger's reservations")
	require.Equal(e.t, p.DisbursedFen, disbursed, "disbursed_fen is the ledger's disbursements")
	require.LessOrEqual(e.t, p.ReservedFen+p.DisbursedFen, p.BudgetFen)
	return p
}

// reviewedApplications files one application per student with a verified
// shop, and puts each in review with approvals from two reviewers (score 8),
// as if screened and reviewed: what fund:decide starts from.
func (e *engine) reviewedApplications(prog models.FundProgram, accts []models.Account, amount int64) []models.FundApplication {
	e.t.Helper()
	shops := fixtures.VerifiedShops(e.t, e.schema.DB, accts)
	r1, r2 := fixtures.Reviewer(e.t, e.schema.DB, ""), fixtures.Reviewer(e.t, e.schema.DB, "")
	now := time.Now().UTC()
	apps := make([]models.FundApplication, len(accts))
	var reviews []models.FundReview
	approve, score := workflows.ReviewApprove, 8
	for i, a := range accts {
		apps[i] = models.FundApplication{ID: models.NewID(), ProgramID: prog.ID, AccountID: a.ID, ShopID: shops[i].ID,
			AmountFen: amount, BusinessPlan: "plan", Status: workflows.FundInReview, Reasons: []models.Reason{},
			ScoreFactors: []models.ScoreFactor{}, CreatedAt: now, UpdatedAt: now}
		for _, r := range []models.Account{r1, r2} {
			reviews = append(reviews, models.FundReview{ID: models.NewID(), ApplicationID: apps[i].ID, ReviewerID: r.ID,
				Status: workflows.ReviewDone, Decision: &approve, Score: &score, AssignedAt: now, DueAt: now.Add(time.Hour), ReviewedAt: &now})
		}
	}
	require.NoError(e.t, e.schema.DB.CreateInBatches(apps, 500).Error)
	require.NoError(e.t, e.schema.DB.CreateInBatches(reviews, 500).Error)
	return apps
}

// enqueueDecisions writes one fund:decide task per application.
func (e *engine) enqueueDecisions(apps []models.FundApplication) []string {
	e.t.Helper()
	ids := make([]string, len(apps))
	require.NoError(e.t, e.schema.DB.Transaction(func(tx *gorm.DB) error {
		for i, a := range apps {
			var err error
			if ids[i], err = workflows.Enqueue(context.Background(), tx, workflows.NewFundDecideTask(a.ID)); err != nil {
				return err
			}
		}
		return nil
	}))
	return ids
}

func TestConcurrentApprovalsNeverOverspend(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	const (
		applicants = 200
		grants     = 50
		grant      = int64(100_000)
	)
	prog := fixtures.FundProgram(t, e.schema.DB, nil, func(p *models.FundProgram) {
		p.BudgetFen, p.MaxGrantFen = grants*grant, grant
	})
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, applicants)
	apps := e.reviewedApplications(prog, accts, grant)
	decisions := e.enqueueDecisions(apps)
	h := fundHandler(time.Now)
	ctx := context.Background()

	// Watch the programme row from outside for the whole run.
	var samples, overspent atomic.Int64
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watcher sync.WaitGroup
	watcher.Go(func() {
		for watchCtx.Err() == nil {
			var p models.FundProgram
			if err := e.schema.DB.Take(&p, "id = ?", prog.ID).Error; err != nil {
				continue
			}
			samples.Add(1)
			if p.ReservedFen+p.DisbursedFen > p.BudgetFen || p.ReservedFen < 0 {
				overspent.Add(1)
			}
		}
	})

	// Every decision at once; each approval's disbursement runs as soon as
	// its decision commits, interleaved with the remaining decisions.
	start := make(chan struct{})
	var g errgroup.Group
	for i, id := range decisions {
		g.Go(func() error {
			<-start
			if err := e.runner.Execute(ctx, e.runOf(id, 0), h.Decide, nil); err != nil {
				return err
			}
			var disburse string
			err := e.schema.DB.Raw(`SELECT id FROM tasks_ever WHERE task_type = ? AND payload->>'application_id' = ?`,
				workflows.TypeFundDisburse, apps[i].ID).Scan(&disburse).Error
			if err != nil || disburse == "" {
				return err
			}
			return e.runner.Execute(ctx, e.runOf(disburse, 0), h.Disburse, h.DisburseFailed)
		})
	}
	close(start)
	require.NoError(t, g.Wait())
	stopWatching()
	watcher.Wait()

	require.Equal(t, grants, e.count(`SELECT count(*) FROM fund_applications WHERE status = 'disbursed'`))
	require.Equal(t, applicants-grants, e.count(`SELECT count(*) FROM fund_applications WHERE status = 'waitlisted'`))
	require.Positive(t, samples.Load())
	require.Zero(t, overspent.Load(), "reserved + disbursed went above the budget in %d of %d samples", overspent.Load(), samples.Load())
	p := e.requireLedgerMatches(prog.ID)
	require.Equal(t, grants*grant, p.DisbursedFen)
	require.Zero(t, p.ReservedFen)
	require.Equal(t, grants, e.count(`SELECT count(*) FROM fund_ledger WHERE kind = 'reserve'`))
	require.Equal(t, grants, e.count(`SELECT count(*) FROM fund_ledger WHERE kind = 'disburse'`))
	require.Zero(t, e.count(`SELECT count(*) FROM fund_ledger l JOIN fund_applications a ON a.id = l.application_id
		WHERE a.status = 'waitlisted'`), "waitlisted applications hold no money")
	require.Equal(t, applicants+grants, e.count(`SELECT count(*) FROM notifications WHERE entity_type = 'fund'`),
		"each applicant told of the decision, each paid one of the payment")
	require.Zero(t, e.count(`SELECT count(*) FROM (SELECT entity_id FROM workflow_events
		WHERE to_state IN ('approved', 'waitlisted') GROUP BY entity_id HAVING count(*) > 1) twice`), "one decision each")

	t.Run("a duplicate decision changes nothing", func(t *testing.T) {
		for _, id := range decisions[:10] {
			require.NoError(t, e.runner.Execute(ctx, e.runOf(id, 1), h.Decide, nil))
		}
		require.Equal(t, p, e.requireLedgerMatches(prog.ID))
	})
	t.Run("the database refuses an overspend", func(t *testing.T) {
		err := e.schema.DB.Exec(`UPDATE fund_programs SET reserved_fen = reserved_fen + 1 WHERE id = ?`, prog.ID).Error
		require.Error(t, err, "the CHECK constraint is the last line")
	})
}

// failingPayments refuses every payment for good.
type failingPayments struct{}

func (failingPayments) Pay(context.Context, *gorm.DB, workflows.Payment) (workflows.Receipt, error) {
	return workflows.Receipt{}, workflows.Permanentf("the provider refused the payee")
}

func TestReleasedMoneyMovesTheWaitlistUpOldestFirst(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	const grant = int64(100_000)
	prog := fixtures.FundProgram(t, e.schema.DB, nil, func(p *models.FundProgram) { p.BudgetFen, p.MaxGrantFen = 2*grant, grant })
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 4)
	apps := e.reviewedApplications(prog, accts, grant) // created in order: a, b, c, d
	a, b, c, d := apps[0], apps[1], apps[2], apps[3]
	e.enqueueDecisions(apps)
	h := fundHandler(time.Now)
	ctx := context.Background()
	for _, app := range []models.FundApplication{a, b, d, c} { // d is decided before c, but c is older
		require.NoError(t, e.run(h, workflows.TypeFundDecide, app.ID))
	}
	require.Equal(t, workflows.FundApproved, e.app(a.ID).Status)
	require.Equal(t, workflows.FundApproved, e.app(b.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.app(c.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.app(d.ID).Status)
	require.Equal(t, 2*grant, e.requireLedgerMatches(prog.ID).ReservedFen)

	// a withdraws before being paid: its money goes to the oldest waiting, c.
	w, err := workflows.WithdrawFund(ctx, e.schema.DB, a.AccountID, a.ID)
	require.NoError(t, err)
	require.Equal(t, workflows.FundWithdrawn, w.Entity.Status)
	require.Len(t, w.OutboxIDs, 1, "the waitlist's move up")
	require.Equal(t, grant, e.requireLedgerMatches(prog.ID).ReservedFen)
	e.promote(h, prog.ID)
	require.Equal(t, workflows.FundApproved, e.app(c.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.app(d.ID).Status)
	require.Equal(t, 2*grant, e.requireLedgerMatches(prog.ID).ReservedFen)

	// b's payment fails for good: its money goes to d.
	failing := &workers.Fund{Now: time.Now, Payments: failingPayments{}}
	require.Error(t, e.run(failing, workflows.TypeFundDisburse, b.ID))
	require.Equal(t, workflows.FundRejected, e.app(b.ID).Status)
	require.Equal(t, msg.FundPaymentFailed, e.app(b.ID).Reasons[0].Code)
	e.promote(h, prog.ID)
	require.Equal(t, workflows.FundApproved, e.app(d.ID).Status)

	for _, app := range []models.FundApplication{c, d} {
		require.NoError(t, e.run(h, workflows.TypeFundDisburse, app.ID))
		require.Equal(t, workflows.FundDisbursed, e.app(app.ID).Status)
	}
	p := e.requireLedgerMatches(prog.ID)
	require.Equal(t, 2*grant, p.DisbursedFen)
	require.Zero(t, p.ReservedFen)
	require.Equal(t, 2, e.count(`SELECT count(*) FROM fund_ledger WHERE kind = 'release'`))

	t.Run("withdrawing after payment is a conflict", func(t *testing.T) {
		_, err := workflows.WithdrawFund(ctx, e.schema.DB, c.AccountID, c.ID)
		require.ErrorIs(t, err, workflows.ErrConflict)
		_, err = workflows.WithdrawFund(ctx, e.schema.DB, c.AccountID, d.ID)
		require.ErrorIs(t, err, workflows.ErrNotFound, "someone else's application")
	})
	t.Run("an empty waitlist is a no-op", func(t *testing.T) {
		require.NoError(t, e.runner.Execute(ctx, e.runOf(e.taskOf(workflows.TypeFundPromote, "program_id", prog.ID), 1), h.Promote, nil))
		require.Equal(t, p, e.requireLedgerMatches(prog.ID))
	})
}

// screening is one application filed through SubmitFund, ready to screen.
func (e *engine) fileApplication(acct models.Account, prog models.FundProgram, shop models.Shop, amount int64, plan string) models.FundApplication {
	e.t.Helper()
	sub, err := workflows.SubmitFund(context.Background(), e.schema.DB, acct.ID, workflows.FundForm{
		ProgramID: prog.ID, ShopID: shop.ID, AmountFen: amount, BusinessPlan: plan})
	require.NoError(e.t, err)
	return sub.Entity
}

func TestScreeningAssignsReviewersByTheRules(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	accts, college := fixtures.VerifiedStudents(t, e.schema.DB, 3)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	sameCollege := fixtures.Reviewer(t, e.schema.DB, college.ID)
	rA, rB, rC := fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")
	outsider := fixtures.Reviewer(t, e.schema.DB, "") // not on the panel
	prog := fixtures.FundProgram(t, e.schema.DB, []models.Account{sameCollege, rA}, nil)
	h := fundHandler(time.Now)

	// Only one eligible reviewer for two places: the application waits in
	// screening, and says why.
	first := e.fileApplication(accts[0], prog, shops[0], 50_000, "我的网店卖手工艺品。")
	err := e.run(h, workflows.TypeFundScreen, first.ID)
	require.ErrorIs(t, err, workflows.ErrNotEnoughReviewers)
	got := e.app(first.ID)
	require.Equal(t, workflows.FundScreening, got.Status)
	require.Equal(t, msg.FundAwaitingReviewers, got.Reasons[0].Code)
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews`), "nothing assigned")

	// Ops widen the panel and re-run the task.
	for _, r := range []models.Account{rB, rC} {
		require.NoError(t, e.schema.DB.Create(&models.FundPanelMember{ProgramID: prog.ID, ReviewerID: r.ID}).Error)
	}
	require.NoError(t, e.run(h, workflows.TypeFundScreen, first.ID))
	got = e.app(first.ID)
	require.Equal(t, workflows.FundInReview, got.Status)
	require.NotNil(t, got.Score)
	require.Len(t, got.ScoreFactors, 3)
	assigned := func(appID string) []string {
		var ids []string
		require.NoError(t, e.schema.DB.Raw(`SELECT reviewer_id FROM fund_reviews WHERE application_id = ? ORDER BY reviewer_id`, appID).Scan(&ids).Error)
		return ids
	}
	firstReviewers := assigned(first.ID)
	require.Len(t, firstReviewers, 2)
	require.NotContains(t, firstReviewers, sameCollege.ID, "never the applicant's college")
	require.NotContains(t, firstReviewers, outsider.ID, "only the panel")
	require.NotContains(t, firstReviewers, accts[0].ID)
	e.taskOf(workflows.TypeFundReviewDeadline, "application_id", first.ID) // the deadline is scheduled

	// The next application goes to the reviewer with no open assignment first.
	second := e.fileApplication(accts[1], prog, shops[1], 50_000, "plan")
	require.NoError(t, e.run(h, workflows.TypeFundScreen, second.ID))
	var idle string
	for _, r := range []string{rA.ID, rB.ID, rC.ID} {
		if r != firstReviewers[0] && r != firstReviewers[1] {
			idle = r
		}
	}
	require.Contains(t, assigned(second.ID), idle, "fewest open assignments first")

	t.Run("ineligible applications are rejected with every reason", func(t *testing.T) {
		pending := fixtures.VerifiedShops(t, e.schema.DB, accts[2:3])[0]
		require.NoError(t, e.schema.DB.Model(&pending).Update("status", workflows.ShopPending).Error)
		bad := e.fileApplication(accts[2], prog, pending, prog.MaxGrantFen+1, "plan")
		require.NoError(t, e.run(h, workflows.TypeFundScreen, bad.ID))
		got := e.app(bad.ID)
		require.Equal(t, workflows.FundRejected, got.Status)
		codes := []string{}
		for _, r := range got.Reasons {
			codes = append(codes, r.Code)
		}
		require.ElementsMatch(t, []string{msg.FundShopNotVerified, msg.FundAmountOverCap}, codes)
		require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ?`, bad.ID))
	})
	t.Run("a second open application to the programme is rejected", func(t *testing.T) {
		again := e.fileApplication(accts[0], prog, shops[0], 10_000, "plan")
		require.NoError(t, e.run(h, workflows.TypeFundScreen, again.ID))
		got := e.app(again.ID)
		require.Equal(t, workflows.FundRejected, got.Status)
		require.Equal(t, models.Reason{Field: "program_id", Code: msg.FundAlreadyApplied,
			Params: map[string]any{"application_id": first.ID}}, got.Reasons[0], "the reason names the open application")
	})
}

func TestReviewDeadlineReassignsMissingReviews(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 1)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	panel := []models.Account{fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")}
	prog := fixtures.FundProgram(t, e.schema.DB, panel, func(p *models.FundProgram) { p.ReviewHours = 24 })
	start := time.Now().UTC()
	clk := &clock{now: start}
	h := fundHandler(clk.Now)
	ctx := context.Background()
	app := e.fileApplication(accts[0], prog, shops[0], 50_000, "plan")
	require.NoError(t, e.run(h, workflows.TypeFundScreen, app.ID))

	var first []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", app.ID).Order("id").Find(&first).Error)
	require.Len(t, first, 2)
	require.WithinDuration(t, start.Add(24*time.Hour), first[0].DueAt, time.Second, "due after the programme's setting")
	var deadline models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&deadline, "id = ?", e.taskOf(workflows.TypeFundReviewDeadline, "application_id", app.ID)).Error)
	require.WithinDuration(t, first[0].DueAt, deadline.ProcessAt, time.Second, "the task is scheduled for the deadline")

	_, err := workflows.SubmitReview(ctx, e.schema.DB, first[0].ReviewerID, app.ID, workflows.ReviewForm{Decision: "approve", Score: 9, Comment: "好"})
	require.NoError(t, err)

	// Early (clock skew, say): nothing is due yet, so it comes back at the deadline.
	require.NoError(t, e.runner.Execute(ctx, e.runOf(deadline.ID, 0), h.ReviewDeadline, nil))
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews WHERE status = 'expired'`))
	var again models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&again, "id = ?", e.taskOf(workflows.TypeFundReviewDeadline, "application_id", app.ID)).Error)
	require.NotEqual(t, deadline.ID, again.ID)
	require.WithinDuration(t, first[1].DueAt, again.ProcessAt, time.Millisecond, "rescheduled for the open review's deadline")

	clk.now = start.Add(25 * time.Hour)
	require.NoError(t, e.run(h, workflows.TypeFundReviewDeadline, app.ID))
	late := first[1]
	var now []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", app.ID).Order("id").Find(&now).Error)
	require.Len(t, now, 3)
	require.Equal(t, workflows.ReviewDone, now[0].Status, "the review in time stays")
	require.Equal(t, workflows.ReviewExpired, now[1].Status)
	require.Equal(t, workflows.ReviewAssigned, now[2].Status)
	require.NotEqual(t, late.ReviewerID, now[2].ReviewerID)
	var ev models.WorkflowEvent
	require.NoError(t, e.schema.DB.Where("entity_id = ?", app.ID).Order("id DESC").Take(&ev).Error)
	require.Equal(t, workflows.FundInReview, ev.ToState)
	require.Contains(t, ev.Reason, "missed the deadline")
	require.NotContains(t, ev.Reason, late.ReviewerID, "reviewers stay anonymous")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ? AND account_id = ?`, app.ID, accts[0].ID),
		"the applicant: in review, then reassigned")
	for _, r := range []models.FundReview{first[0], first[1], now[2]} {
		require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications n JOIN workflow_events ev ON ev.id = n.event_id
			WHERE n.account_id = ? AND n.entity_id = ? AND n.title = 'Fund application to review' AND ev.to_state = 'in_review'`,
			r.ReviewerID, app.ID), "reviewer %s told of the assignment once", r.ReviewerID)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, late.ReviewerID),
		"the late reviewer heard only of the first assignment")

	_, err = workflows.SubmitReview(ctx, e.schema.DB, late.ReviewerID, app.ID, workflows.ReviewForm{Decision: "approve", Score: 9, Comment: "迟到"})
	require.ErrorIs(t, err, workflows.ErrForbidden, "the late reviewer lost the review")

	// The replacement is late too and nobody else is left: the deadline moves.
	clk.now = start.Add(50 * time.Hour)
	require.NoError(t, e.run(h, workflows.TypeFundReviewDeadline, app.ID))
	var kept models.FundReview
	require.NoError(t, e.schema.DB.Take(&kept, "id = ?", now[2].ID).Error)
	require.Equal(t, workflows.ReviewAssigned, kept.Status)
	require.WithinDuration(t, start.Add(74*time.Hour), kept.DueAt, time.Second)

	sub, err := workflows.SubmitReview(ctx, e.schema.DB, kept.ReviewerID, app.ID, workflows.ReviewForm{Decision: "approve", Score: 7, Comment: "ok"})
	require.NoError(t, err)
	require.Len(t, sub.OutboxIDs, 1, "the last review needed starts fund:decide")
	require.NoError(t, e.run(h, workflows.TypeFundDecide, app.ID))
	require.Equal(t, workflows.FundApproved, e.app(app.ID).Status)
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews WHERE application_id = ? AND status = 'assigned'`, app.ID))
}

func TestEarlyRejectionCancelsTheOpenReviews(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 1)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	panel := []models.Account{fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")}
	prog := fixtures.FundProgram(t, e.schema.DB, panel, nil)
	h := fundHandler(time.Now)
	ctx := context.Background()
	app := e.fileApplication(accts[0], prog, shops[0], 50_000, "plan")
	require.NoError(t, e.run(h, workflows.TypeFundScreen, app.ID))
	var revs []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", app.ID).Order("id").Find(&revs).Error)

	sub, err := workflows.SubmitReview(ctx, e.schema.DB, revs[0].ReviewerID, app.ID, workflows.ReviewForm{Decision: "reject", Score: 2, Comment: "no"})
	require.NoError(t, err)
	require.Len(t, sub.OutboxIDs, 1, "two approvals are out of reach: decide now")
	require.NoError(t, e.run(h, workflows.TypeFundDecide, app.ID))
	got := e.app(app.ID)
	require.Equal(t, workflows.FundRejected, got.Status)
	require.Equal(t, models.Reason{Code: msg.FundRejectedByReviews,
		Params: map[string]any{"rejections": 1.0, "reviews": 2.0, "required": 2.0}}, got.Reasons[0], "stored as JSON: numbers come back as float64")
	require.Zero(t, e.requireLedgerMatches(prog.ID).ReservedFen)

	_, err = workflows.SubmitReview(ctx, e.schema.DB, revs[1].ReviewerID, app.ID, workflows.ReviewForm{Decision: "approve", Score: 9, Comment: "late"})
	require.ErrorIs(t, err, workflows.ErrConflict, "the cancelled assignment takes no review")
	require.True(t, errors.Is(err, workflows.ErrConflict))
}
