package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

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
func RescreenAwaiting(w *engine.Work) (int, error) {
	var ids []string
	err := awaitingReviewers(w.DB()).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("find applications waiting for reviewers: %w", err)
	}
	tasks := make([]engine.Task, len(ids))
	for i, id := range ids {
		tasks[i] = NewFundScreenTask(id)
	}
	if _, err := w.EnqueueAll(tasks); err != nil {
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
