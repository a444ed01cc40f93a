package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// FundProgramInput is an admin's new fund programme: the body of POST
// /admin/fund-programs and the admin fund page's form.
type FundProgramInput struct {
	Name                    string  `json:"name" validate:"required,notblank,max=200,nocontrol"`
	BudgetFen               int64   `json:"budget_fen" validate:"required,min=1,max=100000000000000"`
	MaxGrantFen             int64   `json:"max_grant_fen" validate:"required,min=1,max=100000000000000"`
	ReviewersPerApplication int     `json:"reviewers_per_application" validate:"required,min=1,max=10"`
	ApprovalsRequired       int     `json:"approvals_required" validate:"required,min=1,max=10"`
	MinMeanScore            float64 `json:"min_mean_score" validate:"required,min=1,max=10"`
	// ReviewDeadlineHours is how long reviewers have; zero: 72.
	ReviewDeadlineHours int `json:"review_deadline_hours" validate:"omitempty,min=1,max=720"`
	// OpensAt and ClosesAt are RFC 3339 times.
	OpensAt  string `json:"opens_at" validate:"required,max=40"`
	ClosesAt string `json:"closes_at" validate:"required,max=40"`
	// ReviewerIDs is the review panel; empty: every reviewer.
	ReviewerIDs []string `json:"reviewer_ids" validate:"max=200,dive,uuid"`
}

// form reads the input's times; one that is not RFC 3339 is a field error.
func (in FundProgramInput) form() (workflows.ProgramForm, error) {
	f := workflows.ProgramForm{
		Name: strings.TrimSpace(in.Name), BudgetFen: in.BudgetFen, MaxGrantFen: in.MaxGrantFen,
		ReviewersPerApplication: in.ReviewersPerApplication, ApprovalsRequired: in.ApprovalsRequired,
		MinMeanScore: in.MinMeanScore, ReviewHours: in.ReviewDeadlineHours, ReviewerIDs: in.ReviewerIDs,
	}
	bad := map[string]msg.Message{}
	var err error
	if f.OpensAt, err = time.Parse(time.RFC3339, in.OpensAt); err != nil {
		bad["opens_at"] = msg.New(msg.FieldTime, msg.Text("example", "2026-09-01T00:00:00+08:00"))
	}
	if f.ClosesAt, err = time.Parse(time.RFC3339, in.ClosesAt); err != nil {
		bad["closes_at"] = msg.New(msg.FieldTime, msg.Text("example", "2027-06-30T23:59:59+08:00"))
	}
	if len(bad) > 0 {
		return f, &workflows.ValidationError{Fields: bad}
	}
	return f, workflows.CheckProgramForm(f)
}

// FundProgram is a programme and its review panel (empty: every reviewer).
type FundProgram struct {
	models.FundProgram
	PanelIDs []string
}

// CreateFundProgram creates a programme and its review panel. Every panel
// member must be a reviewer account; a taken name is a conflict.
func (a *App) CreateFundProgram(ctx context.Context, actor Actor, in FundProgramInput) (FundProgram, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return FundProgram{}, err
	}
	if err := a.validate(in); err != nil {
		return FundProgram{}, err
	}
	f, err := in.form()
	if err != nil {
		return FundProgram{}, err
	}
	if f.ReviewHours == 0 {
		f.ReviewHours = workflows.DefaultReviewHours
	}
	p := models.FundProgram{
		ID: models.NewID(), Name: f.Name, BudgetFen: f.BudgetFen, MaxGrantFen: f.MaxGrantFen,
		ReviewersPerApplication: f.ReviewersPerApplication, ApprovalsRequired: f.ApprovalsRequired,
		MinMeanScore: f.MinMeanScore, ReviewHours: f.ReviewHours, OpensAt: f.OpensAt.UTC(), ClosesAt: f.ClosesAt.UTC(),
		CreatedAt: a.now(),
	}
	err = a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		if len(f.ReviewerIDs) > 0 {
			var n int64
			if err := tx.Model(&models.Account{}).Where("id IN ? AND role = ?", f.ReviewerIDs, models.RoleReviewer).Count(&n).Error; err != nil {
				return fmt.Errorf("look up the panel: %w", err)
			}
			if int(n) != len(f.ReviewerIDs) {
				return workflows.Invalid("reviewer_ids", msg.FundPanelNotReviewers)
			}
		}
		err := tx.Create(&p).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.FundProgramNameTaken, msg.Text("name", p.Name))
		}
		if err != nil {
			return fmt.Errorf("create programme: %w", err)
		}
		if err := workflows.GiveDefaultRubric(tx, p.ID); err != nil {
			return err
		}
		after := FundProgram{FundProgram: p, PanelIDs: f.ReviewerIDs}
		if err := a.audit(w, actor, AuditCreateProgram, "fund_program", p.ID, nil, after); err != nil {
			return err
		}
		if len(f.ReviewerIDs) == 0 {
			return nil
		}
		panel := make([]models.FundPanelMember, len(f.ReviewerIDs))
		for i, id := range f.ReviewerIDs {
			panel[i] = models.FundPanelMember{ProgramID: p.ID, ReviewerID: id}
		}
		if err := tx.Create(&panel).Error; err != nil {
			return fmt.Errorf("create the panel of %s: %w", p.ID, err)
		}
		return nil
	})
	return FundProgram{FundProgram: p, PanelIDs: f.ReviewerIDs}, err
}

// FundPrograms lists the programmes, oldest first; anyone may read them.
func (a *App) FundPrograms(ctx context.Context, p Page) (List[models.FundProgram], error) {
	return listRows(a.db.WithContext(ctx), p, "id", false, func(f models.FundProgram) string { return f.ID })
}

// FundProgram is the programme id; anyone may read it.
func (a *App) FundProgram(ctx context.Context, id string) (models.FundProgram, error) {
	return public[models.FundProgram](ctx, a, id)
}

// FundInput is a student's fund application: the body of POST
// /fund-applications and the fund page's form.
type FundInput struct {
	ProgramID    string `json:"program_id" validate:"required,uuid"`
	ShopID       string `json:"shop_id" validate:"required,uuid"`
	AmountFen    int64  `json:"amount_fen" validate:"required,min=1,max=100000000000000"`
	BusinessPlan string `json:"business_plan" validate:"required,notblank,max=20000,nocontrol"`
}

// SubmitFund files the verified applicant's application, submitted, and
// starts its screening. The programme must exist, the amount must be within
// its cap and the shop must be the applicant's; the rules that can change
// before screening (verification, dates, other applications) are
// fund:screen's to check.
func (a *App) SubmitFund(ctx context.Context, actor Actor, in FundInput) (models.FundApplication, error) {
	if _, err := a.requireVerified(ctx, actor); err != nil {
		return models.FundApplication{}, err
	}
	if err := a.validate(in); err != nil {
		return models.FundApplication{}, err
	}
	now := a.now()
	app := models.FundApplication{
		ID: models.NewID(), ProgramID: in.ProgramID, AccountID: actor.ID, ShopID: in.ShopID,
		AmountFen: in.AmountFen, BusinessPlan: strings.TrimSpace(in.BusinessPlan), Status: workflows.FundSubmitted,
		Reasons: []models.Reason{}, ScoreFactors: []models.ScoreFactor{}, CreatedAt: now, UpdatedAt: now,
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		var prog models.FundProgram
		err := tx.Take(&prog, "id = ?", in.ProgramID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.Invalid("program_id", msg.FundProgramUnknown)
		}
		if err != nil {
			return fmt.Errorf("look up programme %s: %w", in.ProgramID, err)
		}
		if in.AmountFen > prog.MaxGrantFen {
			return workflows.Invalid("amount_fen", msg.FundAmountOverCap, msg.Fen("max", prog.MaxGrantFen))
		}
		var n int64
		if err := tx.Model(&models.Shop{}).Where("id = ? AND account_id = ?", in.ShopID, actor.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up shop %s: %w", in.ShopID, err)
		}
		if n == 0 {
			return workflows.Invalid("shop_id", msg.FundShopNotYours)
		}
		if err := tx.Create(&app).Error; err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		err = w.Record(workflows.FundMachine, engine.Transition{EntityID: app.ID, To: workflows.FundSubmitted, Actor: engine.ActorAccount(actor.ID)})
		if err != nil {
			return err
		}
		college, err := collegeOf(w, actor.ID)
		if err != nil {
			return err
		}
		_, err = w.Enqueue(workflows.NewFundScreenTask(app.ID).For(college))
		return err
	})
	return app, err
}

// VisibleReview is a review as its reader may see it: ReviewerID and ID are
// empty for the applicant and for other reviewers, to whom reviewers stay
// anonymous.
type VisibleReview struct {
	ID, ReviewerID string
	Decision       string
	Score          int
	Comment        string
	ReviewedAt     time.Time
	// Criteria are the review's points and comments on the rubric.
	Criteria []models.FundReviewScore
}

// FundApplication is an application with the reviews its reader may see.
type FundApplication struct {
	models.FundApplication
	Reviews []VisibleReview
}

// FundApplication is the application id for those who may read it: its
// owner, an admin, or a reviewer assigned to it. Admins see every review;
// a reviewer none until their own is in, then every review, the others'
// without reviewer identity; and the owner, once it is decided, every
// review without reviewer identity.
func (a *App) FundApplication(ctx context.Context, actor Actor, id string) (FundApplication, error) {
	app, err := a.readableFundApplication(ctx, actor, id)
	if err != nil {
		return FundApplication{}, err
	}
	return a.withVisibleReviews(ctx, actor, app)
}

func (a *App) readableFundApplication(ctx context.Context, actor Actor, id string) (models.FundApplication, error) {
	return readable(ctx, a, actor, id, func(app models.FundApplication) string { return app.AccountID },
		func(db *gorm.DB, app models.FundApplication, reviewerID string) (assigned bool, err error) {
			err = db.Raw(`SELECT EXISTS (SELECT 1 FROM fund_reviews WHERE application_id = ? AND reviewer_id = ? AND status NOT IN ('expired', 'conflict'))`,
				app.ID, reviewerID).Row().Scan(&assigned)
			return assigned, err
		})
}

// withVisibleReviews adds to app the reviews actor may see.
func (a *App) withVisibleReviews(ctx context.Context, actor Actor, app models.FundApplication) (FundApplication, error) {
	out := FundApplication{FundApplication: app, Reviews: []VisibleReview{}}
	q := a.db.WithContext(ctx).Where("application_id = ? AND status = ?", app.ID, workflows.ReviewDone).Order("reviewed_at, id")
	switch {
	case actor.Role == models.RoleAdmin:
	case actor.Role == models.RoleReviewer:
	case actor.ID == app.AccountID && app.DecidedAt != nil:
	default:
		return out, nil
	}
	var rows []models.FundReview
	if err := q.Find(&rows).Error; err != nil {
		return out, fmt.Errorf("load reviews of %s: %w", app.ID, err)
	}
	if actor.Role == models.RoleReviewer && !slices.ContainsFunc(rows, func(r models.FundReview) bool { return r.ReviewerID == actor.ID }) {
		return out, nil // independent review: the others' reviews stay hidden until one's own is in
	}
	var scores []models.FundReviewScore
	if len(rows) > 0 {
		ids := pluck(rows, func(r models.FundReview) string { return r.ID })
		if err := a.db.WithContext(ctx).Where("review_id IN ?", ids).Find(&scores).Error; err != nil {
			return out, fmt.Errorf("load the criteria of the reviews of %s: %w", app.ID, err)
		}
	}
	byReview := map[string][]models.FundReviewScore{}
	for _, sc := range scores {
		byReview[sc.ReviewID] = append(byReview[sc.ReviewID], sc)
	}
	for _, r := range rows {
		v := VisibleReview{Decision: *r.Decision, Score: *r.Score, Comment: r.Comment, ReviewedAt: r.ReviewedAt.UTC(),
			Criteria: nonNilSlice(byReview[r.ID])}
		if actor.Role == models.RoleAdmin || r.ReviewerID == actor.ID {
			v.ID, v.ReviewerID = r.ID, r.ReviewerID
		}
		out.Reviews = append(out.Reviews, v)
	}
	return out, nil
}

// FundEvents is the timeline of the application id, for those who may read it.
func (a *App) FundEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	app, err := a.readableFundApplication(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, app.ID, p)
}

// OwnFundApplications are the applicant's newest applications, at most limit.
func (a *App) OwnFundApplications(ctx context.Context, actor Actor, limit int) ([]models.FundApplication, error) {
	return ownNewest[models.FundApplication](ctx, a, actor, limit)
}

// WithdrawFund withdraws the applicant's application before it is paid,
// and notifies them. Open review assignments are cancelled; an approved
// application's reservation goes back to the programme and its waitlist
// moves up.
func (a *App) WithdrawFund(ctx context.Context, actor Actor, id string) (FundApplication, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return FundApplication{}, err
	}
	if err := checkID(id); err != nil {
		return FundApplication{}, err
	}
	var app models.FundApplication
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		var err error
		if app, err = workflows.LockFundApplication(w.DB(), id); err != nil {
			return err
		}
		if app.AccountID != actor.ID {
			return workflows.ErrNotFound
		}
		if !workflows.FundMachine.Allows(app.Status, workflows.FundWithdrawn) {
			return workflows.Refuse(workflows.ErrConflict, msg.FundNotWithdrawable, msg.Text("status", app.Status))
		}
		return a.withdrawFund(ctx, w, actor, &app)
	})
	if err != nil {
		return FundApplication{}, err
	}
	return a.withVisibleReviews(ctx, actor, app)
}

// ReviewInput is a reviewer's review: the body of POST
// /fund-applications/{id}/reviews and the review page's form.
type ReviewInput struct {
	Decision string `json:"decision" validate:"required,oneof=approve reject"`
	// Criteria are the points and comment on each criterion of the
	// programme's rubric; the review's score is their weighted result.
	Criteria []CriterionScoreInput `json:"criteria" validate:"max=20,dive"`
	// Score (1 to 10) may stand for the criteria on the default rubric
	// (one criterion, Overall, at most 10 points).
	Score   int    `json:"score" validate:"omitempty,min=1,max=10"`
	Comment string `json:"comment" validate:"required,notblank,max=4000,nocontrol"`
}

// CriterionScoreInput is a review's points and comment on one criterion.
type CriterionScoreInput struct {
	CriterionID string `json:"criterion_id" validate:"required,uuid"`
	Points      int    `json:"points" validate:"min=0,max=100"`
	Comment     string `json:"comment" validate:"max=2000,nocontrol"`
}

// SubmitReview records the reviewer's review of the application. Only a
// reviewer assigned to it may review (forbidden otherwise), once (a second
// review is a conflict), while it is in review. The review that settles
// the outcome starts the decision (fund:decide).
func (a *App) SubmitReview(ctx context.Context, actor Actor, applicationID string, in ReviewInput) (VisibleReview, error) {
	if err := actor.require(models.RoleReviewer); err != nil {
		return VisibleReview{}, err
	}
	if err := checkID(applicationID); err != nil {
		return VisibleReview{}, err
	}
	if err := a.validate(in); err != nil {
		return VisibleReview{}, err
	}
	var (
		rev  models.FundReview
		rows []models.FundReviewScore
	)
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		app, r, err := openAssignment(tx, applicationID, actor.ID)
		if err != nil {
			return err
		}
		rev = r
		before := r
		var prog models.FundProgram // shared: the rubric cannot change under the review (SetRubric)
		if err := tx.Clauses(clause.Locking{Strength: "SHARE"}).Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
			return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
		}
		rubric, err := rubricOf(tx, prog.ID)
		if err != nil {
			return err
		}
		given := make([]workflows.CriterionScore, len(in.Criteria))
		for i, c := range in.Criteria {
			given[i] = workflows.CriterionScore{CriterionID: c.CriterionID, Points: c.Points, Comment: strings.TrimSpace(c.Comment)}
		}
		score, scored, err := workflows.ScoreRubric(rubric, given, in.Score)
		if err != nil {
			return err
		}
		now := a.now()
		decision := in.Decision
		rev.Status, rev.Decision, rev.Score, rev.Comment, rev.ReviewedAt = workflows.ReviewDone, &decision, &score, strings.TrimSpace(in.Comment), &now
		if err := tx.Save(&rev).Error; err != nil {
			return fmt.Errorf("save review of %s: %w", app.ID, err)
		}
		rows = make([]models.FundReviewScore, len(scored))
		for i, c := range scored {
			rows[i] = models.FundReviewScore{ReviewID: rev.ID, CriterionID: c.CriterionID, Points: c.Points, Comment: c.Comment}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("save the criteria of review %s: %w", rev.ID, err)
		}
		after := struct {
			models.FundReview
			Criteria []models.FundReviewScore `json:"criteria"`
		}{rev, rows}
		if err := a.audit(w, actor, AuditReview, "fund_application", app.ID, before, after); err != nil {
			return err
		}
		tally, err := workflows.TallyReviews(ctx, tx, app.ID)
		if err != nil {
			return err
		}
		received := tally.Approvals + tally.Rejections
		err = w.Record(workflows.FundMachine, engine.Transition{EntityID: app.ID, From: workflows.FundInReview, To: workflows.FundInReview,
			Actor: workflows.ActorReviewer, Reasons: []models.Reason{workflows.NewReason("", msg.FundReviewReceived,
				msg.Int("received", int64(received)), msg.Int("total", int64(received+tally.Outstanding)))}})
		if err != nil {
			return err
		}
		return enqueueDecisionIfSettled(w, app, prog, tally)
	})
	if err != nil {
		return VisibleReview{}, err
	}
	return VisibleReview{ID: rev.ID, ReviewerID: rev.ReviewerID, Decision: *rev.Decision, Score: *rev.Score, Comment: rev.Comment,
		ReviewedAt: rev.ReviewedAt.UTC(), Criteria: rows}, nil
}

// withdrawFund withdraws the application app, locked in the unit w and
// withdrawable, as actor (with reasons, when given): an approved grant is
// released and open reviews are cancelled. WithdrawFund and a dispute's
// revocation share it.
func (a *App) withdrawFund(ctx context.Context, w *engine.Work, actor Actor, app *models.FundApplication, reasons ...models.Reason) error {
	if app.Status == workflows.FundApproved {
		if err := workflows.ReleaseGrant(w, *app, "withdraw:"+app.ID); err != nil {
			return err
		}
	}
	if err := workflows.CancelOpenReviews(ctx, w.DB(), app.ID); err != nil {
		return err
	}
	from := app.Status
	app.Status, app.UpdatedAt = workflows.FundWithdrawn, a.now()
	if err := w.DB().Model(app).Select("status", "updated_at").Updates(app).Error; err != nil {
		return fmt.Errorf("withdraw application %s: %w", app.ID, err)
	}
	return w.Advance(workflows.FundMachine, app.AccountID, engine.Transition{
		EntityID: app.ID, From: from, To: workflows.FundWithdrawn, Actor: engine.ActorAccount(actor.ID), Reasons: reasons,
	})
}
