//go:build pending

package workflows

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/campusbiz/campusbiz/models"
)

// ProgramForm is an admin's new fund programme, already checked for shape.
type ProgramForm struct {
	Name                    string
	BudgetFen               int64
	MaxGrantFen             int64
	ReviewersPerApplication int
	ApprovalsRequired       int
	MinMeanScore            float64
	// ReviewHours is the review deadline; zero means DefaultReviewHours.
	ReviewHours int
	OpensAt     time.Time
	ClosesAt    time.Time
	// ReviewerIDs is the review panel; empty means every reviewer.
	ReviewerIDs []string
}

// DefaultReviewHours is how long reviewers have when a programme says nothing.
const DefaultReviewHours = 72

// CheckProgramForm applies the rules that tie a programme's fields together.
func CheckProgramForm(f ProgramForm) error {
	fields := map[string]string{}
	if f.MaxGrantFen > f.BudgetFen {
		fields["max_grant_fen"] = "must not be more than budget_fen"
	}
	if f.ApprovalsRequired > f.ReviewersPerApplication {
		fields["approvals_required"] = "must not be more than reviewers_per_application"
	}
	if !f.ClosesAt.After(f.OpensAt) {
		fields["closes_at"] = "must be after opens_at"
	}
	if math.Abs(f.MinMeanScore*100-math.Round(f.MinMeanScore*100)) > 1e-6 {
		fields["min_mean_score"] = "may have at most two decimals"
	}
	if n := len(f.ReviewerIDs); n > 0 && n < f.ReviewersPerApplication {
		fields["reviewer_ids"] = fmt.Sprintf("the panel needs at least reviewers_per_application (%d) reviewers", f.ReviewersPerApplication)
	}
	sorted := slices.Clone(f.ReviewerIDs)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(f.ReviewerIDs) {
		fields["reviewer_ids"] = "lists a reviewer twice"
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

// CreateFundProgram creates a programme and its review panel. Every panel
// member must be a reviewer account; a taken name is a conflict.
func CreateFundProgram(ctx context.Context, db *gorm.DB, f ProgramForm) (models.FundProgram, error) {
	if err := CheckProgramForm(f); err != nil {
		return models.FundProgram{}, err
	}
	if f.ReviewHours == 0 {
		f.ReviewHours = DefaultReviewHours
	}
	p := models.FundProgram{
		ID: models.NewID(), Name: strings.TrimSpace(f.Name), BudgetFen: f.BudgetFen, MaxGrantFen: f.MaxGrantFen,
		ReviewersPerApplication: f.ReviewersPerApplication, ApprovalsRequired: f.ApprovalsRequired,
		MinMeanScore: f.MinMeanScore, ReviewHours: f.ReviewHours, OpensAt: f.OpensAt.UTC(), ClosesAt: f.ClosesAt.UTC(),
		CreatedAt: time.Now().UTC(),
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(f.ReviewerIDs) > 0 {
			var n int64
			if err := tx.Model(&models.Account{}).Where("id IN ? AND role = ?", f.ReviewerIDs, models.RoleReviewer).Count(&n).Error; err != nil {
				return fmt.Errorf("look up the panel: %w", err)
			}
			if int(n) != len(f.ReviewerIDs) {
				return Invalid("reviewer_ids", "must all be ids of reviewer accounts")
			}
		}
		err := tx.Create(&p).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("a programme named %q exists: %w", p.Name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("create programme: %w", err)
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
	return p, err
}

// FundForm is a student's fund application, already checked for shape.
type FundForm struct {
	ProgramID    string
	ShopID       string
	AmountFen    int64
	BusinessPlan string
}

// SubmitFund files accountID's application, submitted, and enqueues its
// screening. The programme must exist and the shop must be the applicant's;
// the programme's rules are fund:screen's to check.
func SubmitFund(ctx context.Context, db *gorm.DB, accountID string, f FundForm) (Submitted[models.FundApplication], error) {
	var out Submitted[models.FundApplication]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.FundProgram{}).Where("id = ?", f.ProgramID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up programme %s: %w", f.ProgramID, err)
		}
		if n == 0 {
			return Invalid("program_id", "is not a fund programme; pick one from GET /api/v1/fund-programs")
		}
		if err := tx.Model(&models.Shop{}).Where("id = ? AND account_id = ?", f.ShopID, accountID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up shop %s: %w", f.ShopID, err)
		}
		if n == 0 {
			return Invalid("shop_id", "is not one of your shops; link it with POST /api/v1/shops")
		}
		now := time.Now().UTC()
		app := models.FundApplication{
			ID: models.NewID(), ProgramID: f.ProgramID, AccountID: accountID, ShopID: f.ShopID,
			AmountFen: f.AmountFen, BusinessPlan: strings.TrimSpace(f.BusinessPlan), Status: FundSubmitted,
			Reasons: []models.Reason{}, ScoreFactors: []models.ScoreFactor{}, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.Create(&app).Error; err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		err := Record(ctx, tx, FundMachine, Transition{EntityID: app.ID, To: FundSubmitted, Actor: ActorAccount(accountID)})
		if err != nil {
			return err
		}
		id, err := Enqueue(ctx, tx, NewFundScreenTask(app.ID))
		if err != nil {
			return err
		}
		out = Submitted[models.FundApplication]{Entity: app, OutboxIDs: []string{id}}
		return nil
	})
	return out, err
}

// WithdrawFund withdraws accountID's application before it is paid, and
// notifies them. Open review assignments are cancelled; an approved
// application's reservation goes back to the programme and its waitlist
// moves up.
func WithdrawFund(ctx context.Context, db *gorm.DB, accountID, applicationID string) (Submitted[models.FundApplication], error) {
	var out Submitted[models.FundApplication]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		app, err := LockFundApplication(tx, applicationID)
		if err != nil {
			return err
		}
		if app.AccountID != accountID {
			return ErrNotFound
		}
		if !FundMachine.Allows(app.Status, FundWithdrawn) {
			return fmt.Errorf("a %s application cannot be withdrawn: %w", app.Status, ErrConflict)
		}
		if app.Status == FundApproved {
			id, err := ReleaseGrant(ctx, tx, app, "withdraw:"+app.ID)
			if err != nil {
				return err
			}
			out.OutboxIDs = append(out.OutboxIDs, id)
		}
		if err := CancelOpenReviews(ctx, tx, app.ID); err != nil {
			return err
		}
		from := app.Status
		app.Status, app.UpdatedAt = FundWithdrawn, time.Now().UTC()
		if err := tx.Model(&app).Select("status", "updated_at").Updates(&app).Error; err != nil {
			return fmt.Errorf("withdraw application %s: %w", app.ID, err)
		}
		id, err := Advance(ctx, tx, FundMachine, app.AccountID, Transition{EntityID: app.ID, From: from, To: FundWithdrawn, Actor: ActorAccount(accountID)})
		if id != "" {
			out.OutboxIDs = append(out.OutboxIDs, id)
		}
		out.Entity = app
		return err
	})
	return out, err
}

// ReviewForm is a reviewer's review, already checked for shape.
type ReviewForm struct {
	// Decision is ReviewApprove or ReviewReject.
	Decision string
	// Score is 1 to 10.
	Score   int
	Comment string
}

// SubmitReview records reviewerID's review of the application. Only a
// reviewer assigned to it may review (forbidden otherwise), once (a second
// review is a conflict), while it is in review. The review that settles the
// outcome enqueues fund:decide.
func SubmitReview(ctx context.Context, db *gorm.DB, reviewerID, applicationID string, f ReviewForm) (Submitted[models.FundReview], error) {
	var out Submitted[models.FundReview]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		app, err := LockFundApplication(tx, applicationID)
		if err != nil {
			return err
		}
		var rev models.FundReview
		err = tx.Take(&rev, "application_id = ? AND reviewer_id = ?", app.ID, reviewerID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("only the reviewers assigned to this application may review it: %w", ErrForbidden)
		case err != nil:
			return fmt.Errorf("load the assignment of %s: %w", app.ID, err)
		case rev.Status == ReviewDone:
			return fmt.Errorf("you have already reviewed this application: %w", ErrConflict)
		case rev.Status == ReviewExpired:
			return fmt.Errorf("your assignment passed its deadline and went to another reviewer: %w", ErrForbidden)
		case rev.Status == ReviewCancelled || app.Status != FundInReview:
			return fmt.Errorf("the application is %s and takes no more reviews: %w", app.Status, ErrConflict)
		}
		now := time.Now().UTC()
		rev.Status, rev.Decision, rev.Score, rev.Comment, rev.ReviewedAt = ReviewDone, &f.Decision, &f.Score, strings.TrimSpace(f.Comment), &now
		if err := tx.Save(&rev).Error; err != nil {
			return fmt.Errorf("save review of %s: %w", app.ID, err)
		}
		tally, err := TallyReviews(ctx, tx, app.ID)
		if err != nil {
			return err
		}
		in := tally.Approvals + tally.Rejections
		err = Record(ctx, tx, FundMachine, Transition{EntityID: app.ID, From: FundInReview, To: FundInReview,
			Actor: ActorReviewer, Reason: fmt.Sprintf("review %d of %d received", in, in+tally.Outstanding)})
		if err != nil {
			return err
		}
		out.Entity = rev
		var prog models.FundProgram
		if err := tx.Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
			return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
		}
		if state, _ := DecideFund(RulesOf(prog), tally); state == "" {
			return nil
		}
		id, err := Enqueue(ctx, tx, NewFundDecideTask(app.ID))
		out.OutboxIDs = []string{id}
		return err
	})
	return out, err
}
