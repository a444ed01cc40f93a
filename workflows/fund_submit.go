package workflows

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
	fields := map[string]msg.Message{}
	if f.MaxGrantFen > f.BudgetFen {
		fields["max_grant_fen"] = msg.New(msg.FundMaxGrantOverBudget)
	}
	if f.ApprovalsRequired > f.ReviewersPerApplication {
		fields["approvals_required"] = msg.New(msg.FundApprovalsOverReviewers)
	}
	if !f.ClosesAt.After(f.OpensAt) {
		fields["closes_at"] = msg.New(msg.FundClosesBeforeOpens)
	}
	if math.Abs(f.MinMeanScore*100-math.Round(f.MinMeanScore*100)) > 1e-6 {
		fields["min_mean_score"] = msg.New(msg.FieldDecimals, msg.Int("max", 2))
	}
	if n := len(f.ReviewerIDs); n > 0 && n < f.ReviewersPerApplication {
		fields["reviewer_ids"] = msg.New(msg.FundPanelTooSmall, msg.Int("min", int64(f.ReviewersPerApplication)))
	}
	sorted := slices.Clone(f.ReviewerIDs)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(f.ReviewerIDs) {
		fields["reviewer_ids"] = msg.New(msg.FundPanelDuplicate)
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
				return Invalid("reviewer_ids", msg.FundPanelNotReviewers)
			}
		}
		err := tx.Create(&p).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.FundProgramNameTaken, msg.Text("name", p.Name))
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
			return Invalid("program_id", msg.FundProgramUnknown)
		}
		if err := tx.Model(&models.Shop{}).Where("id = ? AND account_id = ?", f.ShopID, accountID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up shop %s: %w", f.ShopID, err)
		}
		if n == 0 {
			return Invalid("shop_id", msg.FundShopNotYours)
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
			return Refuse(ErrConflict, msg.FundNotWithdrawable, msg.Text("status", app.Status))
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
			return Refuse(ErrForbidden, msg.FundReviewNotAssigned)
		case err != nil:
			return fmt.Errorf("load the assignment of %s: %w", app.ID, err)
		case rev.Status == ReviewDone:
			return Refuse(ErrConflict, msg.FundReviewDone)
		case rev.Status == ReviewExpired:
			return Refuse(ErrForbidden, msg.FundReviewExpired)
		case rev.Status == ReviewCancelled || app.Status != FundInReview:
			return Refuse(ErrConflict, msg.FundReviewClosed, msg.Text("status", app.Status))
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

// RulesOf is the decision settings of a programme.
func RulesOf(p models.FundProgram) FundRules {
	return FundRules{ApprovalsRequired: p.ApprovalsRequired, MinMeanScore: p.MinMeanScore}
}

// LockFundApplication locks an application row for the rest of tx.
func LockFundApplication(tx *gorm.DB, applicationID string) (models.FundApplication, error) {
	var app models.FundApplication
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&app, "id = ?", applicationID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.FundApplication{}, ErrNotFound
	}
	if err != nil {
		return models.FundApplication{}, fmt.Errorf("lock application %s: %w", applicationID, err)
	}
	return app, nil
}

// TallyReviews counts the application's reviews and open assignments.
func TallyReviews(ctx context.Context, tx *gorm.DB, applicationID string) (ReviewTally, error) {
	var t ReviewTally
	err := tx.WithContext(ctx).Raw(`SELECT
		count(*) FILTER (WHERE status = 'done' AND decision = 'approve') AS approvals,
		count(*) FILTER (WHERE status = 'done' AND decision = 'reject') AS rejections,
		count(*) FILTER (WHERE status = 'assigned') AS outstanding,
		coalesce(sum(score) FILTER (WHERE status = 'done'), 0) AS score_sum
		FROM fund_reviews WHERE application_id = ?`, applicationID).Scan(&t).Error
	if err != nil {
		return ReviewTally{}, fmt.Errorf("tally reviews of %s: %w", applicationID, err)
	}
	return t, nil
}

// CancelOpenReviews closes the application's assignments still waiting for a
// review: it was decided or withdrawn without them.
func CancelOpenReviews(ctx context.Context, tx *gorm.DB, applicationID string) error {
	err := tx.WithContext(ctx).Exec(`UPDATE fund_reviews SET status = 'cancelled' WHERE application_id = ? AND status = 'assigned'`,
		applicationID).Error
	if err != nil {
		return fmt.Errorf("cancel open reviews of %s: %w", applicationID, err)
	}
	return nil
}

// ReasonAwaitingReviewers is the reason code of an application waiting in
// screening because its panel had too few eligible reviewers.
const ReasonAwaitingReviewers = msg.FundAwaitingReviewers

// legacyAwaitingReviewers is the code ReasonAwaitingReviewers had before
// codes were dotted; rows written then still wait under it.
const legacyAwaitingReviewers = "awaiting_reviewers"

// RescreenAwaiting enqueues a new screening of every application waiting in
// screening for reviewers (ReasonAwaitingReviewers), for when reviewers are
// added. It returns how many it enqueued. A screening that still finds too
// few eligible reviewers leaves its application waiting, and one that finds
// it already screened does nothing.
func RescreenAwaiting(ctx context.Context, tx *gorm.DB) (int, error) {
	var ids []string
	err := awaitingReviewers(tx.WithContext(ctx)).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("find applications waiting for reviewers: %w", err)
	}
	tasks := make([]Task, len(ids))
	for i, id := range ids {
		tasks[i] = NewFundScreenTask(id)
	}
	if _, err := EnqueueAll(ctx, tx, tasks); err != nil {
		return 0, fmt.Errorf("screen again %d applications waiting for reviewers: %w", len(ids), err)
	}
	return len(ids), nil
}

// CountAwaitingReviewers counts the applications waiting in screening for
// reviewers.
func CountAwaitingReviewers(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	if err := awaitingReviewers(db.WithContext(ctx)).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count applications waiting for reviewers: %w", err)
	}
	return n, nil
}

// awaitingReviewers selects the applications waiting in screening for
// reviewers (by the fund_applications_status index).
func awaitingReviewers(db *gorm.DB) *gorm.DB {
	return db.Model(&models.FundApplication{}).Where("status = ? AND (reasons @> ?::jsonb OR reasons @> ?::jsonb)",
		FundScreening, `[{"code": "`+ReasonAwaitingReviewers+`"}]`, `[{"code": "`+legacyAwaitingReviewers+`"}]`)
}

// ErrNotEnoughReviewers: the panel has too few eligible reviewers left for
// an application.
var ErrNotEnoughReviewers = errors.New("not enough eligible reviewers")

// AssignReviewers assigns n reviewers of the programme's panel who were
// never assigned to the application (PickReviewers decides who), each due
// ReviewHours after now. It assigns as many as there are, maybe fewer than n.
func AssignReviewers(ctx context.Context, tx *gorm.DB, app models.FundApplication, prog models.FundProgram,
	applicantCollegeID string, n int, now time.Time) ([]models.FundReview, error) {
	var cands []ReviewerCandidate
	err := tx.WithContext(ctx).Raw(`SELECT a.id, a.college_id,
		(SELECT count(*) FROM fund_reviews r WHERE r.reviewer_id = a.id AND r.status = 'assigned') AS open,
		(SELECT max(r.assigned_at) FROM fund_reviews r WHERE r.reviewer_id = a.id) AS last_assigned
		FROM accounts a
		WHERE a.role = 'reviewer'
		AND (NOT EXISTS (SELECT 1 FROM fund_panel p WHERE p.program_id = @program)
			OR EXISTS (SELECT 1 FROM fund_panel p WHERE p.program_id = @program AND p.reviewer_id = a.id))
		AND NOT EXISTS (SELECT 1 FROM fund_reviews r WHERE r.application_id = @app AND r.reviewer_id = a.id)`,
		map[string]any{"program": prog.ID, "app": app.ID}).Scan(&cands).Error
	if err != nil {
		return nil, fmt.Errorf("find reviewers for %s: %w", app.ID, err)
	}
	ids := PickReviewers(cands, app.AccountID, applicantCollegeID, n)
	revs := make([]models.FundReview, len(ids))
	due := now.Add(time.Duration(prog.ReviewHours) * time.Hour).UTC()
	for i, id := range ids {
		revs[i] = models.FundReview{ID: models.NewID(), ApplicationID: app.ID, ReviewerID: id, Status: ReviewAssigned,
			AssignedAt: now.UTC(), DueAt: due}
	}
	if len(revs) == 0 {
		return nil, nil
	}
	if err := tx.WithContext(ctx).Create(&revs).Error; err != nil {
		return nil, fmt.Errorf("assign reviewers to %s: %w", app.ID, err)
	}
	return revs, nil
}
