package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
)

// Review queue filters: a reviewer's assignments waiting for them, those of
// them past their due date, and their own reviews done (their history).
const (
	QueuePending = "pending"
	QueueOverdue = "overdue"
	QueueDone    = "done"
)

// QueueStatuses are the review queue's filters.
var QueueStatuses = []string{QueuePending, QueueOverdue, QueueDone}

// Assignment is one of a reviewer's assignments with what they need to
// judge it: the application, its programme (the cap), the shop, the
// applicant and their college.
type Assignment struct {
	Review      models.FundReview
	Application models.FundApplication
	Program     models.FundProgram
	Shop        models.Shop
	Applicant   models.StudentProfile
	College     models.College
	// Overdue: still waiting for the review after its due date.
	Overdue bool
}

// AssignedReviews is one page of the reviewer's assignments with status
// (QueuePending when empty): pending and overdue ones by due date, soonest
// first; done ones by when they were reviewed, newest first. Total counts
// every assignment with the status.
func (a *App) AssignedReviews(ctx context.Context, actor Actor, status string, p Page) (Counted[Assignment], error) {
	if err := actor.require(models.RoleReviewer); err != nil {
		return Counted[Assignment]{}, err
	}
	now := a.now()
	q := a.db.WithContext(ctx).Model(&models.FundReview{}).Where("reviewer_id = ?", actor.ID)
	order := keyset{at: "due_at", id: "id"}
	keyOf := func(r models.FundReview) key { return key{at: r.DueAt, id: r.ID} }
	switch status {
	case "", QueuePending:
		q = q.Where("status = ?", workflows.ReviewAssigned)
	case QueueOverdue:
		q = q.Where("status = ? AND due_at < ?", workflows.ReviewAssigned, now)
	case QueueDone:
		q = q.Where("status = ?", workflows.ReviewDone)
		order = keyset{at: "reviewed_at", id: "id", desc: true}
		keyOf = func(r models.FundReview) key { return key{at: *r.ReviewedAt, id: r.ID} }
	default:
		return Counted[Assignment]{}, workflows.Invalid("status", msg.FieldOneOf, msg.Texts("values", QueueStatuses))
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return Counted[Assignment]{}, fmt.Errorf("count the assignments of %s: %w", actor.ID, err)
	}
	revs, err := listKeyed(q, p, order, keyOf)
	if err != nil {
		return Counted[Assignment]{}, err
	}
	items, err := a.assignments(ctx, revs.Items, now)
	if err != nil {
		return Counted[Assignment]{}, err
	}
	return Counted[Assignment]{List: List[Assignment]{Items: items, NextCursor: revs.NextCursor}, Total: total}, nil
}

// assignments loads, in one query per table, what a reviewer needs to
// judge each of revs.
func (a *App) assignments(ctx context.Context, revs []models.FundReview, now time.Time) ([]Assignment, error) {
	db := a.db.WithContext(ctx)
	apps, err := byID(db, "id", pluck(revs, func(r models.FundReview) string { return r.ApplicationID }),
		func(x models.FundApplication) string { return x.ID })
	if err != nil {
		return nil, err
	}
	appList := make([]models.FundApplication, 0, len(apps))
	for _, x := range apps {
		appList = append(appList, x)
	}
	progs, err := byID(db, "id", pluck(appList, func(x models.FundApplication) string { return x.ProgramID }),
		func(p models.FundProgram) string { return p.ID })
	if err != nil {
		return nil, err
	}
	shops, err := byID(db, "id", pluck(appList, func(x models.FundApplication) string { return x.ShopID }),
		func(s models.Shop) string { return s.ID })
	if err != nil {
		return nil, err
	}
	profiles, err := byID(db, "account_id", pluck(appList, func(x models.FundApplication) string { return x.AccountID }),
		func(s models.StudentProfile) string { return s.AccountID })
	if err != nil {
		return nil, err
	}
	profileList := make([]models.StudentProfile, 0, len(profiles))
	for _, sp := range profiles {
		profileList = append(profileList, sp)
	}
	colleges, err := byID(db, "id", pluck(profileList, func(s models.StudentProfile) string { return s.CollegeID }),
		func(c models.College) string { return c.ID })
	if err != nil {
		return nil, err
	}
	out := make([]Assignment, len(revs))
	for i, r := range revs {
		x := apps[r.ApplicationID]
		sp := profiles[x.AccountID]
		out[i] = Assignment{Review: r, Application: x, Program: progs[x.ProgramID], Shop: shops[x.ShopID],
			Applicant: sp, College: colleges[sp.CollegeID],
			Overdue: r.Status == workflows.ReviewAssigned && r.DueAt.Before(now)}
	}
	return out, nil
}

// nonNilSlice is s, or an empty slice for nil.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// pluck is the distinct non-empty values of field over rows.
func pluck[M any](rows []M, field func(M) string) []string {
	seen := make(map[string]bool, len(rows))
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		if v := field(r); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// byID loads the rows of M whose column col is one of ids, by idOf.
func byID[M any](db *gorm.DB, col string, ids []string, idOf func(M) string) (map[string]M, error) {
	out := make(map[string]M, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []M
	if err := db.Where(col+" IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %d rows by %s: %w", len(ids), col, err)
	}
	for _, r := range rows {
		out[idOf(r)] = r
	}
	return out, nil
}

// ReviewFile is what a reviewer reads to judge an application: their
// assignment with the application, programme, shop, applicant and college,
// and, once their own review is in, the other reviewers' reviews (scores
// stay hidden until then, so each review is independent).
type ReviewFile struct {
	Assignment
	// Rubric is the programme's criteria, in order.
	Rubric []models.FundCriterion
	// Own is the reader's review once it is in, with its criteria.
	Own *VisibleReview
	// Others are the other reviewers' reviews, without their identity;
	// empty until the reader's own review is in.
	Others []VisibleReview
}

// DefaultRubric reports whether the programme scores on the default rubric
// (one criterion of 10 points), where a review's one score stands for it.
func (f ReviewFile) DefaultRubric() bool {
	return len(f.Rubric) == 1 && f.Rubric[0].MaxPoints == workflows.DefaultCriterion.MaxPoints
}

// ReviewFile is the application applicationID as the reviewer assigned to
// it reads it; it is not found unless they are assigned, so ids cannot be
// probed.
func (a *App) ReviewFile(ctx context.Context, actor Actor, applicationID string) (ReviewFile, error) {
	if err := actor.require(models.RoleReviewer); err != nil {
		return ReviewFile{}, err
	}
	if err := checkID(applicationID); err != nil {
		return ReviewFile{}, err
	}
	db := a.db.WithContext(ctx)
	var rev models.FundReview
	err := db.Take(&rev, "application_id = ? AND reviewer_id = ? AND status <> ?", applicationID, actor.ID, workflows.ReviewConflict).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ReviewFile{}, workflows.ErrNotFound
	}
	if err != nil {
		return ReviewFile{}, fmt.Errorf("load the assignment of %s: %w", applicationID, err)
	}
	items, err := a.assignments(ctx, []models.FundReview{rev}, a.now())
	if err != nil {
		return ReviewFile{}, err
	}
	f := ReviewFile{Assignment: items[0], Others: []VisibleReview{}}
	visible, err := a.withVisibleReviews(ctx, actor, f.Application)
	if err != nil {
		return ReviewFile{}, err
	}
	for _, r := range visible.Reviews {
		if r.ReviewerID != actor.ID {
			f.Others = append(f.Others, r)
		} else {
			f.Own = &r
		}
	}
	if f.Rubric, err = a.rubric(ctx, f.Program.ID); err != nil {
		return ReviewFile{}, err
	}
	return f, nil
}

// ConflictInput is a reviewer's declared conflict of interest: the body of
// POST /fund-applications/{id}/conflict and the review page's second form.
type ConflictInput struct {
	Note string `json:"note" validate:"required,notblank,max=2000,nocontrol"`
}

// Conflict is a declared conflict of interest: the reviewer's assignment,
// now in status conflict, and whether another reviewer took it over.
type Conflict struct {
	Review     models.FundReview
	Reassigned bool
}

// DeclareConflict records the reviewer's conflict of interest with the
// application they are assigned to and have not reviewed: the assignment
// becomes a conflict with their note, another panel reviewer who was never
// assigned to it takes it over (the same rules as the first assignment,
// due in the programme's review time), and the application's timeline says
// so. When nobody is left to take it over, the application goes on with
// the reviews it has (fund:decide decides it when they settle it). One unit
// of work under the application's row lock, so a retried or concurrent
// declaration finds the conflict already recorded (409) and assigns nobody
// twice.
func (a *App) DeclareConflict(ctx context.Context, actor Actor, applicationID string, in ConflictInput) (Conflict, error) {
	if err := actor.require(models.RoleReviewer); err != nil {
		return Conflict{}, err
	}
	if err := checkID(applicationID); err != nil {
		return Conflict{}, err
	}
	if err := a.validate(in); err != nil {
		return Conflict{}, err
	}
	var out Conflict
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		app, rev, err := openAssignment(tx, applicationID, actor.ID)
		if err != nil {
			return err
		}
		now := a.now()
		before := rev
		rev.Status, rev.ConflictNote, rev.ConflictAt = workflows.ReviewConflict, strings.TrimSpace(in.Note), &now
		if err := tx.Select("status", "conflict_note", "conflict_at").Updates(&rev).Error; err != nil {
			return fmt.Errorf("record the conflict on %s: %w", app.ID, err)
		}
		out.Review = rev
		var prog models.FundProgram
		if err := tx.Take(&prog, "id = ?", app.ProgramID).Error; err != nil {
			return fmt.Errorf("load programme %s: %w", app.ProgramID, err)
		}
		var collegeID string
		if err := tx.Raw(`SELECT college_id FROM student_profiles WHERE account_id = ?`, app.AccountID).Scan(&collegeID).Error; err != nil {
			return fmt.Errorf("load the college of %s: %w", app.AccountID, err)
		}
		fresh, err := workflows.AssignReviewers(ctx, tx, app, prog, collegeID, 1, now)
		if err != nil {
			return err
		}
		out.Reassigned = len(fresh) > 0
		if err := a.audit(w, actor, AuditDeclareConflict, "fund_application", app.ID, before, out); err != nil {
			return err
		}
		note := workflows.NewReason("", msg.FundConflictReassigned)
		if !out.Reassigned {
			note = workflows.NewReason("", msg.FundConflictUnreplaced)
		}
		err = w.Record(workflows.FundMachine, engine.Transition{EntityID: app.ID, From: workflows.FundInReview, To: workflows.FundInReview,
			Actor: workflows.ActorReviewer, Reasons: []models.Reason{note}})
		if err != nil {
			return err
		}
		for _, r := range fresh {
			w.NotifyReviewAssigned(r.ReviewerID, app.ID, workflows.FundInReview, r.DueAt)
		}
		if out.Reassigned {
			return nil // the application's deadline task covers the new assignment (it follows the earliest open one)
		}
		tally, err := workflows.TallyReviews(ctx, tx, app.ID)
		if err != nil {
			return err
		}
		return enqueueDecisionIfSettled(w, app, prog, tally)
	})
	return out, err
}

// openAssignment locks the application and loads the reviewer's assignment
// to it, which must still wait for their review: an application that does
// not exist is not found, one they are not assigned to is forbidden, and
// an assignment that is done, expired, declared a conflict or closed is
// refused with what happened to it.
func openAssignment(tx *gorm.DB, applicationID, reviewerID string) (models.FundApplication, models.FundReview, error) {
	var rev models.FundReview
	app, err := workflows.LockFundApplication(tx, applicationID)
	if err != nil {
		return app, rev, err
	}
	err = tx.Take(&rev, "application_id = ? AND reviewer_id = ?", app.ID, reviewerID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return app, rev, workflows.Refuse(workflows.ErrForbidden, msg.FundReviewNotAssigned)
	case err != nil:
		return app, rev, fmt.Errorf("load the assignment of %s: %w", app.ID, err)
	case rev.Status == workflows.ReviewDone:
		return app, rev, workflows.Refuse(workflows.ErrConflict, msg.FundReviewDone)
	case rev.Status == workflows.ReviewConflict:
		return app, rev, workflows.Refuse(workflows.ErrConflict, msg.FundConflictDeclared)
	case rev.Status == workflows.ReviewExpired:
		return app, rev, workflows.Refuse(workflows.ErrForbidden, msg.FundReviewExpired)
	case rev.Status == workflows.ReviewCancelled || app.Status != workflows.FundInReview:
		return app, rev, workflows.Refuse(workflows.ErrConflict, msg.FundReviewClosed, msg.Text("status", app.Status))
	}
	return app, rev, nil
}

// enqueueDecisionIfSettled enqueues fund:decide when the application's
// reviews (tally) settle its outcome.
func enqueueDecisionIfSettled(w *engine.Work, app models.FundApplication, prog models.FundProgram, tally workflows.ReviewTally) error {
	if state, _ := workflows.DecideFund(workflows.RulesOf(prog), tally); state == "" {
		return nil
	}
	_, err := w.Enqueue(workflows.NewFundDecideTask(app.ID))
	return err
}
