package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// lockDue locks the run's application and reports whether it is in one of
// the states the step acts on.
func lockDue(tx *gorm.DB, run engine.Run, states ...string) (models.FundApplication, bool, error) {
	var p workflows.FundApplicationPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return models.FundApplication{}, false, err
	}
	app, err := workflows.LockFundApplication(tx, p.ApplicationID)
	if errors.Is(err, workflows.ErrNotFound) {
		return models.FundApplication{}, false, engine.Permanentf("fund application %s does not exist", p.ApplicationID)
	}
	if err != nil {
		return models.FundApplication{}, false, err
	}
	for _, s := range states {
		if app.Status == s {
			return app, true, nil
		}
	}
	return app, false, nil
}

// moveFund updates the application to state with reasons (shown on the
// application), records the transition with note (the timeline's reasons,
// which default to reasons) and notifies the applicant.
func (h *Handlers) moveFund(w *engine.Work, run engine.Run, app models.FundApplication, state string,
	reasons []models.Reason, note ...models.Reason) error {
	now := h.Now().UTC()
	updates := map[string]any{"status": state, "reasons": reasonsJSON(reasons), "updated_at": now}
	switch state {
	case workflows.FundApproved, workflows.FundRejected, workflows.FundWaitlisted:
		updates["decided_at"] = now
	case workflows.FundDisbursed:
		updates["disbursed_at"] = now
	}
	if err := w.DB().Table("fund_applications").Where("id = ?", app.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("move application %s to %s: %w", app.ID, state, err)
	}
	if note == nil {
		note = reasons
	}
	return w.Advance(workflows.FundMachine, app.AccountID, run.Transition(app.ID, app.Status, state, note...))
}

// ScreenFund is the fund:screen step: eligibility with reasons (rejected when it
// fails), the automatic score, reviewers from the panel, and the review
// deadline. Too few eligible reviewers is a permanent error: the
// application waits in screening (ScreenFailed) until ops re-run the task.
func (h *Handlers) ScreenFund(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	app, due, err := lockDue(tx, run, workflows.FundSubmitted, workflows.FundScreening)
	if err != nil || !due {
		return err
	}
	if app.Status == workflows.FundSubmitted {
		if err := w.Record(workflows.FundMachine, run.Transition(app.ID, app.Status, workflows.FundScreening)); err != nil {
			return err
		}
		app.Status = workflows.FundScreening
	}
	now := h.Now().UTC()
	var prog models.FundProgram
	if err := tx.Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
		return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
	}
	var prof models.StudentProfile
	if err := tx.Where("account_id = ?", app.AccountID).Limit(1).Find(&prof).Error; err != nil {
		return fmt.Errorf("load the profile of %s: %w", app.AccountID, err)
	}
	var shop models.Shop
	if err := tx.Take(&shop, "id = ?", app.ShopID).Error; err != nil {
		return fmt.Errorf("load shop %s: %w", app.ShopID, err)
	}
	var otherOpen string
	err = tx.Raw(`SELECT id FROM fund_applications WHERE program_id = ? AND account_id = ? AND id <> ?
		AND status IN ('screening', 'in_review', 'approved', 'waitlisted') LIMIT 1`, app.ProgramID, app.AccountID, app.ID).Scan(&otherOpen).Error
	if err != nil {
		return fmt.Errorf("look for another open application of %s: %w", app.AccountID, err)
	}
	reasons := workflows.ScreenFund(workflows.FundCheck{
		StudentVerified: prof.Status == workflows.OnboardingVerified,
		ShopVerified:    shop.AccountID == app.AccountID && shop.Status == workflows.ShopVerified,
		OtherOpenID:     otherOpen,
		AmountFen:       app.AmountFen, MaxGrantFen: prog.MaxGrantFen,
		OpensAt: prog.OpensAt, ClosesAt: prog.ClosesAt, Now: now,
	})
	if len(reasons) > 0 {
		return h.moveFund(w, run, app, workflows.FundRejected, reasons)
	}
	var shopAge time.Duration
	if shop.VerifiedAt != nil {
		shopAge = now.Sub(*shop.VerifiedAt)
	}
	score, factors := workflows.AutoScore(workflows.ScoreInput{AmountFen: app.AmountFen,
		MaxGrantFen: prog.MaxGrantFen, ShopVerifiedFor: shopAge})
	revs, err := workflows.AssignReviewers(ctx, tx, app, prog, prof.CollegeID, prog.ReviewersPerApplication, now)
	if err != nil {
		return err
	}
	if len(revs) < prog.ReviewersPerApplication {
		return engine.Permanent(fmt.Errorf("application %s needs %d reviewers, the panel of %s has %d eligible: %w",
			app.ID, prog.ReviewersPerApplication, prog.ID, len(revs), workflows.ErrNotEnoughReviewers))
	}
	factorsJSON, err := json.Marshal(factors)
	if err != nil {
		return fmt.Errorf("encode the score factors of %s: %w", app.ID, err)
	}
	err = tx.Table("fund_applications").Where("id = ?", app.ID).Updates(map[string]any{
		"score": score, "score_factors": gorm.Expr("?::jsonb", string(factorsJSON)), "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("record the score of %s: %w", app.ID, err)
	}
	deadline := revs[0].DueAt
	err = h.moveFund(w, run, app, workflows.FundInReview, nil, workflows.NewReason("", msg.FundScreened,
		msg.Int("score", int64(score)), msg.Int("reviewers", int64(len(revs))), msg.Time("due", deadline)))
	if err != nil {
		return err
	}
	notifyReviewers(w, app.ID, revs)
	_, err = w.Enqueue(workflows.NewFundReviewDeadlineTask(app.ID, deadline))
	return err
}

// ScreenFundFailed is fund:screen's failure hook: when the panel has too few
// eligible reviewers, the application waits in screening, and its owner is
// told why.
func (h *Handlers) ScreenFundFailed(ctx context.Context, w *engine.Work, run engine.Run, cause error) error {
	tx := w.DB()
	if !errors.Is(cause, workflows.ErrNotEnoughReviewers) {
		return nil
	}
	app, due, err := lockDue(tx, run, workflows.FundSubmitted)
	if err != nil || !due {
		return err
	}
	reasons := []models.Reason{workflows.NewReason("", workflows.ReasonAwaitingReviewers)}
	return h.moveFund(w, run, app, workflows.FundScreening, reasons)
}

// FundReviewDeadline is the fund:review_deadline step: the reviews still missing
// at their deadline go to other panel reviewers (by the same rules as
// screening) with a new deadline; when nobody else is eligible, the late
// reviewer keeps the review with the deadline extended. The applicant is
// told; reviewers' identities are not.
func (h *Handlers) FundReviewDeadline(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	app, due, err := lockDue(tx, run, workflows.FundInReview)
	if err != nil || !due {
		return err
	}
	now := h.Now().UTC()
	var late []models.FundReview
	if err := tx.Where("application_id = ? AND status = ? AND due_at <= ?", app.ID, workflows.ReviewAssigned, now).
		Order("id").Find(&late).Error; err != nil {
		return fmt.Errorf("find late reviews of %s: %w", app.ID, err)
	}
	if len(late) == 0 {
		return deadlineLater(w, app.ID)
	}
	var prog models.FundProgram
	if err := tx.Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
		return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
	}
	var collegeID string
	if err := tx.Raw(`SELECT college_id FROM student_profiles WHERE account_id = ?`, app.AccountID).Scan(&collegeID).Error; err != nil {
		return fmt.Errorf("load the college of %s: %w", app.AccountID, err)
	}
	fresh, err := workflows.AssignReviewers(ctx, tx, app, prog, collegeID, len(late), now)
	if err != nil {
		return err
	}
	deadline := now.Add(time.Duration(prog.ReviewHours) * time.Hour)
	ids := make([]string, len(late))
	for i, r := range late {
		ids[i] = r.ID
	}
	if err := tx.Model(&models.FundReview{}).Where("id IN ?", ids[:len(fresh)]).Update("status", workflows.ReviewExpired).Error; err != nil {
		return fmt.Errorf("expire late reviews of %s: %w", app.ID, err)
	}
	if err := tx.Model(&models.FundReview{}).Where("id IN ?", ids[len(fresh):]).Update("due_at", deadline).Error; err != nil {
		return fmt.Errorf("extend late reviews of %s: %w", app.ID, err)
	}
	note := workflows.NewReason("", msg.FundReviewsReassigned, msg.Int("late", int64(len(late))),
		msg.Int("moved", int64(len(fresh))), msg.Int("extended", int64(len(late)-len(fresh))), msg.Time("due", deadline))
	if err := h.moveFund(w, run, app, workflows.FundInReview, nil, note); err != nil {
		return err
	}
	notifyReviewers(w, app.ID, fresh)
	_, err = w.Enqueue(workflows.NewFundReviewDeadlineTask(app.ID, deadline))
	return err
}

// notifyReviewers tells each of reviews' reviewers, in the app, that the
// application awaits their review and when it is due; the application's
// move to in_review was recorded in the unit just before.
func notifyReviewers(w *engine.Work, applicationID string, reviews []models.FundReview) {
	for _, r := range reviews {
		w.NotifyReviewAssigned(r.ReviewerID, applicationID, workflows.FundInReview, r.DueAt)
	}
}

// deadlineLater handles a deadline task that found no late review: reviews
// still open are due later (the task ran early, through clock skew or a
// re-run), so it schedules itself again for the earliest of them.
func deadlineLater(w *engine.Work, applicationID string) error {
	var next *time.Time
	err := w.DB().Raw(`SELECT min(due_at) FROM fund_reviews WHERE application_id = ? AND status = ?`,
		applicationID, workflows.ReviewAssigned).Scan(&next).Error
	if err != nil {
		return fmt.Errorf("find the next review deadline of %s: %w", applicationID, err)
	}
	if next == nil {
		return nil // every review is in
	}
	_, err = w.Enqueue(workflows.NewFundReviewDeadlineTask(applicationID, *next))
	return err
}

// DecideFund is the fund:decide step: workflows.DecideFund on the reviews in;
// an approval reserves the amount (workflows.ReserveGrant, one conditional
// update) and enqueues the disbursement, or waitlists the application when
// the remaining budget cannot cover it.
func (h *Handlers) DecideFund(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	app, due, err := lockDue(tx, run, workflows.FundInReview)
	if err != nil || !due {
		return err
	}
	var prog models.FundProgram
	if err := tx.Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
		return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
	}
	tally, err := workflows.TallyReviews(ctx, tx, app.ID)
	if err != nil {
		return err
	}
	state, why := workflows.DecideFund(workflows.RulesOf(prog), tally)
	if state == "" {
		return nil // reviews still to come
	}
	if err := workflows.CancelOpenReviews(ctx, tx, app.ID); err != nil {
		return err
	}
	if state == workflows.FundRejected {
		return h.moveFund(w, run, app, state, []models.Reason{workflows.ReasonOf("", why)})
	}
	reserved, err := workflows.ReserveGrant(ctx, tx, app, run.TaskID)
	if err != nil {
		return err
	}
	if !reserved {
		waiting := []models.Reason{workflows.NewReason("", msg.FundBudgetExhausted, msg.Fen("amount", app.AmountFen))}
		return h.moveFund(w, run, app, workflows.FundWaitlisted, waiting, workflows.ReasonOf("", why), waiting[0])
	}
	return h.approveFund(w, run, app, workflows.ReasonOf("", why))
}

// approveFund moves an application whose grant is reserved to approved,
// saying why (the note) and what is reserved, and enqueues its disbursement.
func (h *Handlers) approveFund(w *engine.Work, run engine.Run, app models.FundApplication, why models.Reason) error {
	reserved := workflows.NewReason("", msg.FundGrantReserved, msg.Fen("amount", app.AmountFen))
	if err := h.moveFund(w, run, app, workflows.FundApproved, nil, why, reserved); err != nil {
		return err
	}
	_, err := w.Enqueue(workflows.NewFundDisburseTask(app.ID))
	return err
}

// PromoteFund is the fund:promote step, run after money was released: the
// programme's waitlisted applications are approved oldest first for as long
// as the remaining budget covers the next one.
func (h *Handlers) PromoteFund(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	var p workflows.FundProgramPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	for {
		var next []models.FundApplication
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("program_id = ? AND status = ?", p.ProgramID, workflows.FundWaitlisted).
			Order("id").Limit(1).Find(&next).Error
		if err != nil {
			return fmt.Errorf("find the waitlist's head in %s: %w", p.ProgramID, err)
		}
		if len(next) == 0 {
			return nil
		}
		app := next[0]
		reserved, err := workflows.ReserveGrant(ctx, tx, app, run.TaskID+"/"+app.ID)
		if err != nil || !reserved {
			return err // the head does not fit yet: it keeps its place
		}
		if err := h.approveFund(w, run, app, workflows.NewReason("", msg.FundPromoted)); err != nil {
			return err
		}
	}
}

// DisburseFund is the fund:disburse step: pay through the Payments port with
// the task id as the idempotency key, then mark the application disbursed.
func (h *Handlers) DisburseFund(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	app, due, err := lockDue(tx, run, workflows.FundApproved)
	if err != nil || !due {
		return err
	}
	receipt, err := h.Payments.Pay(ctx, tx, workflows.Payment{IdempotencyKey: run.TaskID, Application: app})
	if err != nil {
		return fmt.Errorf("pay application %s: %w", app.ID, err)
	}
	return h.moveFund(w, run, app, workflows.FundDisbursed, nil, workflows.NewReason("", msg.FundPaid,
		msg.Fen("amount", app.AmountFen), msg.Text("reference", receipt.Reference)))
}

// DisburseFundFailed is fund:disburse's failure hook: a payment that failed for
// good gives the reservation back to the programme (the waitlist moves up)
// and rejects the application with a reason.
func (h *Handlers) DisburseFundFailed(ctx context.Context, w *engine.Work, run engine.Run, _ error) error {
	tx := w.DB()
	app, due, err := lockDue(tx, run, workflows.FundApproved)
	if err != nil || !due {
		return err
	}
	if err := workflows.ReleaseGrant(w, app, "payment-failed:"+run.TaskID); err != nil {
		return err
	}
	reasons := []models.Reason{workflows.NewReason("", msg.FundPaymentFailed)}
	return h.moveFund(w, run, app, workflows.FundRejected, reasons)
}
