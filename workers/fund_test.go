package workers_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// fundHandlers are the task steps with the clock now and the ledger's payments.
func (e *backend) fundHandlers(now func() time.Time) *workers.Handlers {
	return e.handlers(workers.Deps{Now: now, Payments: workflows.LedgerPayments{}})
}

func (e *backend) fundApp(id string) models.FundApplication {
	e.t.Helper()
	var a models.FundApplication
	require.NoError(e.t, e.schema.DB.Take(&a, "id = ?", id).Error)
	return a
}

func (e *backend) program(id string) models.FundProgram {
	e.t.Helper()
	var p models.FundProgram
	require.NoError(e.t, e.schema.DB.Take(&p, "id = ?", id).Error)
	return p
}

// run delivers the newest task of type typ for the application id, with h.
func (e *backend) run(h *workers.Handlers, typ, id string) error {
	e.t.Helper()
	return e.deliver(context.Background(), h, e.runOf(e.taskOf(typ, "application_id", id), 0))
}

func (e *backend) promote(h *workers.Handlers, programID string) {
	e.t.Helper()
	require.NoError(e.t, e.deliver(context.Background(), h, e.runOf(e.taskOf(workflows.TypeFundPromote, "program_id", programID), 0)))
}

// applicant is the applicant accountID as an actor.
func applicant(accountID string) app.Actor {
	return app.Actor{ID: accountID, Role: models.RoleApplicant}
}

// reviewer is the reviewer accountID as an actor.
func reviewer(accountID string) app.Actor { return app.Actor{ID: accountID, Role: models.RoleReviewer} }

func (e *backend) requireLedgerMatches(programID string) models.FundProgram {
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
func (e *backend) reviewedApplications(prog models.FundProgram, accts []models.Account, amount int64) []models.FundApplication {
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
func (e *backend) enqueueDecisions(apps []models.FundApplication) []string {
	e.t.Helper()
	ids := make([]string, len(apps))
	require.NoError(e.t, e.eng.Do(context.Background(), func(w *engine.Work) error {
		for i, a := range apps {
			var err error
			if ids[i], err = w.Enqueue(workflows.NewFundDecideTask(a.ID)); err != nil {
				return err
			}
		}
		return nil
	}))
	return ids
}

func TestConcurrentApprovalsNeverOverspend(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
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
	h := e.fundHandlers(time.Now)
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
			if err := e.deliver(ctx, h, e.runOf(id, 0)); err != nil {
				return err
			}
			var disburse string
			err := e.schema.DB.Raw(`SELECT id FROM tasks_ever WHERE task_type = ? AND payload->>'application_id' = ?`,
				workflows.TypeFundDisburse, apps[i].ID).Scan(&disburse).Error
			if err != nil || disburse == "" {
				return err
			}
			return e.deliver(ctx, h, e.runOf(disburse, 0))
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
			require.NoError(t, e.deliver(ctx, h, e.runOf(id, 1)))
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
	return workflows.Receipt{}, engine.Permanentf("the provider refused the payee")
}

func TestReleasedMoneyMovesTheWaitlistUpOldestFirst(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	const grant = int64(100_000)
	prog := fixtures.FundProgram(t, e.schema.DB, nil, func(p *models.FundProgram) { p.BudgetFen, p.MaxGrantFen = 2*grant, grant })
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 4)
	apps := e.reviewedApplications(prog, accts, grant) // created in order: a, b, c, d
	a, b, c, d := apps[0], apps[1], apps[2], apps[3]
	e.enqueueDecisions(apps)
	h := e.fundHandlers(time.Now)
	ctx := context.Background()
	for _, fa := range []models.FundApplication{a, b, d, c} { // d is decided before c, but c is older
		require.NoError(t, e.run(h, workflows.TypeFundDecide, fa.ID))
	}
	require.Equal(t, workflows.FundApproved, e.fundApp(a.ID).Status)
	require.Equal(t, workflows.FundApproved, e.fundApp(b.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.fundApp(c.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.fundApp(d.ID).Status)
	require.Equal(t, 2*grant, e.requireLedgerMatches(prog.ID).ReservedFen)

	// a withdraws before being paid: its money goes to the oldest waiting, c.
	w, err := e.app.WithdrawFund(ctx, applicant(a.AccountID), a.ID)
	require.NoError(t, err)
	require.Equal(t, workflows.FundWithdrawn, w.Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM tasks_ever WHERE task_type = ?`, workflows.TypeFundPromote),
		"the waitlist's move up")
	e.taskOf(workflows.TypeFundPromote, "program_id", prog.ID)
	require.Equal(t, grant, e.requireLedgerMatches(prog.ID).ReservedFen)
	e.promote(h, prog.ID)
	require.Equal(t, workflows.FundApproved, e.fundApp(c.ID).Status)
	require.Equal(t, workflows.FundWaitlisted, e.fundApp(d.ID).Status)
	require.Equal(t, 2*grant, e.requireLedgerMatches(prog.ID).ReservedFen)

	// b's payment fails for good: its money goes to d.
	failing := e.handlers(workers.Deps{Payments: failingPayments{}})
	require.Error(t, e.run(failing, workflows.TypeFundDisburse, b.ID))
	require.Equal(t, workflows.FundRejected, e.fundApp(b.ID).Status)
	require.Equal(t, msg.FundPaymentFailed, e.fundApp(b.ID).Reasons[0].Code)
	e.promote(h, prog.ID)
	require.Equal(t, workflows.FundApproved, e.fundApp(d.ID).Status)

	for _, fa := range []models.FundApplication{c, d} {
		require.NoError(t, e.run(h, workflows.TypeFundDisburse, fa.ID))
		require.Equal(t, workflows.FundDisbursed, e.fundApp(fa.ID).Status)
	}
	p := e.requireLedgerMatches(prog.ID)
	require.Equal(t, 2*grant, p.DisbursedFen)
	require.Zero(t, p.ReservedFen)
	require.Equal(t, 2, e.count(`SELECT count(*) FROM fund_ledger WHERE kind = 'release'`))

	t.Run("withdrawing after payment is a conflict", func(t *testing.T) {
		_, err := e.app.WithdrawFund(ctx, applicant(c.AccountID), c.ID)
		require.ErrorIs(t, err, workflows.ErrConflict)
		_, err = e.app.WithdrawFund(ctx, applicant(c.AccountID), d.ID)
		require.ErrorIs(t, err, workflows.ErrNotFound, "someone else's application")
	})
	t.Run("an empty waitlist is a no-op", func(t *testing.T) {
		require.NoError(t, e.deliver(ctx, h, e.runOf(e.taskOf(workflows.TypeFundPromote, "program_id", prog.ID), 1)))
		require.Equal(t, p, e.requireLedgerMatches(prog.ID))
	})
}

// fileApplication files one application through the application's
// SubmitFund, ready to screen.
func (e *backend) fileApplication(acct models.Account, prog models.FundProgram, shop models.Shop, amount int64, plan string) models.FundApplication {
	e.t.Helper()
	fa, err := e.app.SubmitFund(context.Background(), app.ActorOf(acct), app.FundInput{
		ProgramID: prog.ID, ShopID: shop.ID, AmountFen: amount, BusinessPlan: plan})
	require.NoError(e.t, err)
	return fa
}

// review submits the reviewer's review of the application.
func (e *backend) review(reviewerID, applicationID, decision string, score int, comment string) error {
	e.t.Helper()
	_, err := e.app.SubmitReview(context.Background(), reviewer(reviewerID), applicationID,
		app.ReviewInput{Decision: decision, Score: score, Comment: comment})
	return err
}

// decisions counts the fund:decide tasks ever enqueued for the application.
func (e *backend) decisions(applicationID string) int {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM tasks_ever WHERE task_type = ? AND payload->>'application_id' = ?`,
		workflows.TypeFundDecide, applicationID)
}

func TestScreeningAssignsReviewersByTheRules(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	accts, college := fixtures.VerifiedStudents(t, e.schema.DB, 3)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	sameCollege := fixtures.Reviewer(t, e.schema.DB, college.ID)
	rA, rB, rC := fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")
	outsider := fixtures.Reviewer(t, e.schema.DB, "") // not on the panel
	prog := fixtures.FundProgram(t, e.schema.DB, []models.Account{sameCollege, rA}, nil)
	h := e.fundHandlers(time.Now)

	// Only one eligible reviewer for two places: the application waits in
	// screening, and says why.
	first := e.fileApplication(accts[0], prog, shops[0], 50_000, "我的网店卖手工艺品。")
	err := e.run(h, workflows.TypeFundScreen, first.ID)
	require.ErrorIs(t, err, workflows.ErrNotEnoughReviewers)
	got := e.fundApp(first.ID)
	require.Equal(t, workflows.FundScreening, got.Status)
	require.Equal(t, workflows.ReasonAwaitingReviewers, got.Reasons[0].Code)
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews`), "nothing assigned")

	// Ops widen the panel and re-run the task.
	for _, r := range []models.Account{rB, rC} {
		require.NoError(t, e.schema.DB.Create(&models.FundPanelMember{ProgramID: prog.ID, ReviewerID: r.ID}).Error)
	}
	require.NoError(t, e.run(h, workflows.TypeFundScreen, first.ID))
	got = e.fundApp(first.ID)
	require.Equal(t, workflows.FundInReview, got.Status)
	require.NotNil(t, got.Score)
	require.Len(t, got.ScoreFactors, 2)
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
		bad := e.fileApplication(accts[2], prog, pending, prog.MaxGrantFen, "plan")
		// Submission refuses an ask above the cap now; an application filed
		// before it did still meets the rule at screening.
		require.NoError(t, e.schema.DB.Model(&bad).Update("amount_fen", prog.MaxGrantFen+1).Error)
		require.NoError(t, e.run(h, workflows.TypeFundScreen, bad.ID))
		got := e.fundApp(bad.ID)
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
		got := e.fundApp(again.ID)
		require.Equal(t, workflows.FundRejected, got.Status)
		require.Equal(t, msg.FundAlreadyApplied, got.Reasons[0].Code)
		require.Equal(t, first.ID, got.Reasons[0].Params["application_id"], "the reason names the open application")
	})
}

func TestReviewDeadlineReassignsMissingReviews(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 1)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	panel := []models.Account{fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")}
	prog := fixtures.FundProgram(t, e.schema.DB, panel, func(p *models.FundProgram) { p.ReviewHours = 24 })
	start := time.Now().UTC()
	clk := &clock{now: start}
	h := e.fundHandlers(clk.Now)
	ctx := context.Background()
	fa := e.fileApplication(accts[0], prog, shops[0], 50_000, "plan")
	require.NoError(t, e.run(h, workflows.TypeFundScreen, fa.ID))

	var first []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", fa.ID).Order("id").Find(&first).Error)
	require.Len(t, first, 2)
	require.WithinDuration(t, start.Add(24*time.Hour), first[0].DueAt, time.Second, "due after the programme's setting")
	var deadline models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&deadline, "id = ?", e.taskOf(workflows.TypeFundReviewDeadline, "application_id", fa.ID)).Error)
	require.WithinDuration(t, first[0].DueAt, deadline.ProcessAt, time.Second, "the task is scheduled for the deadline")

	require.NoError(t, e.review(first[0].ReviewerID, fa.ID, "approve", 9, "好"))

	// Early (clock skew, say): nothing is due yet, so it comes back at the deadline.
	require.NoError(t, e.deliver(ctx, h, e.runOf(deadline.ID, 0)))
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews WHERE status = 'expired'`))
	var again models.OutboxRow
	require.NoError(t, e.schema.DB.Take(&again, "id = ?", e.taskOf(workflows.TypeFundReviewDeadline, "application_id", fa.ID)).Error)
	require.NotEqual(t, deadline.ID, again.ID)
	require.WithinDuration(t, first[1].DueAt, again.ProcessAt, time.Millisecond, "rescheduled for the open review's deadline")

	clk.now = start.Add(25 * time.Hour)
	require.NoError(t, e.run(h, workflows.TypeFundReviewDeadline, fa.ID))
	late := first[1]
	var now []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", fa.ID).Order("id").Find(&now).Error)
	require.Len(t, now, 3)
	require.Equal(t, workflows.ReviewDone, now[0].Status, "the review in time stays")
	require.Equal(t, workflows.ReviewExpired, now[1].Status)
	require.Equal(t, workflows.ReviewAssigned, now[2].Status)
	require.NotEqual(t, late.ReviewerID, now[2].ReviewerID)
	var ev models.WorkflowEvent
	require.NoError(t, e.schema.DB.Where("entity_id = ?", fa.ID).Order("id DESC").Take(&ev).Error)
	require.Equal(t, workflows.FundInReview, ev.ToState)
	require.Len(t, ev.Reasons, 1)
	require.Equal(t, msg.FundReviewsReassigned, ev.Reasons[0].Code, "the timeline says reviews missed the deadline")
	require.EqualValues(t, 1, ev.Reasons[0].Params["late"])
	require.EqualValues(t, 1, ev.Reasons[0].Params["moved"])
	require.EqualValues(t, 0, ev.Reasons[0].Params["extended"])
	reasons, err := json.Marshal(ev.Reasons)
	require.NoError(t, err)
	require.NotContains(t, string(reasons), late.ReviewerID, "reviewers stay anonymous")
	require.NotContains(t, string(reasons), now[2].ReviewerID, "reviewers stay anonymous")
	require.Equal(t, 2, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ? AND account_id = ?`, fa.ID, accts[0].ID),
		"the applicant: in review, then reassigned")
	for _, r := range []models.FundReview{first[0], first[1], now[2]} {
		require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications n JOIN workflow_events ev ON ev.id = n.event_id
			WHERE n.account_id = ? AND n.entity_id = ? AND n.code = ? AND ev.to_state = 'in_review'`,
			r.ReviewerID, fa.ID, msg.NoticeReviewAssigned), "reviewer %s told of the assignment once", r.ReviewerID)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, late.ReviewerID),
		"the late reviewer heard only of the first assignment")

	require.ErrorIs(t, e.review(late.ReviewerID, fa.ID, "approve", 9, "迟到"), workflows.ErrForbidden, "the late reviewer lost the review")

	// The replacement is late too and nobody else is left: the deadline moves.
	clk.now = start.Add(50 * time.Hour)
	require.NoError(t, e.run(h, workflows.TypeFundReviewDeadline, fa.ID))
	var kept models.FundReview
	require.NoError(t, e.schema.DB.Take(&kept, "id = ?", now[2].ID).Error)
	require.Equal(t, workflows.ReviewAssigned, kept.Status)
	require.WithinDuration(t, start.Add(74*time.Hour), kept.DueAt, time.Second)

	require.Zero(t, e.decisions(fa.ID))
	require.NoError(t, e.review(kept.ReviewerID, fa.ID, "approve", 7, "ok"))
	require.Equal(t, 1, e.decisions(fa.ID), "the last review needed starts fund:decide")
	require.NoError(t, e.run(h, workflows.TypeFundDecide, fa.ID))
	require.Equal(t, workflows.FundApproved, e.fundApp(fa.ID).Status)
	require.Zero(t, e.count(`SELECT count(*) FROM fund_reviews WHERE application_id = ? AND status = 'assigned'`, fa.ID))
}

func TestEarlyRejectionCancelsTheOpenReviews(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	accts, _ := fixtures.VerifiedStudents(t, e.schema.DB, 1)
	shops := fixtures.VerifiedShops(t, e.schema.DB, accts)
	panel := []models.Account{fixtures.Reviewer(t, e.schema.DB, ""), fixtures.Reviewer(t, e.schema.DB, "")}
	prog := fixtures.FundProgram(t, e.schema.DB, panel, nil)
	h := e.fundHandlers(time.Now)
	fa := e.fileApplication(accts[0], prog, shops[0], 50_000, "plan")
	require.NoError(t, e.run(h, workflows.TypeFundScreen, fa.ID))
	var revs []models.FundReview
	require.NoError(t, e.schema.DB.Where("application_id = ?", fa.ID).Order("id").Find(&revs).Error)

	require.NoError(t, e.review(revs[0].ReviewerID, fa.ID, "reject", 2, "no"))
	require.Equal(t, 1, e.decisions(fa.ID), "two approvals are out of reach: decide now")
	require.NoError(t, e.run(h, workflows.TypeFundDecide, fa.ID))
	got := e.fundApp(fa.ID)
	require.Equal(t, workflows.FundRejected, got.Status)
	require.Equal(t, msg.FundRejectedByReviews, got.Reasons[0].Code)
	require.Zero(t, e.requireLedgerMatches(prog.ID).ReservedFen)

	err := e.review(revs[1].ReviewerID, fa.ID, "approve", 9, "late")
	require.ErrorIs(t, err, workflows.ErrConflict, "the cancelled assignment takes no review")
	require.True(t, errors.Is(err, workflows.ErrConflict))
}
