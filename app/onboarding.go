package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OnboardingInput is an applicant's student profile form: the body of POST
// and PUT /onboarding and the onboarding page's form.
type OnboardingInput struct {
	CollegeID      string `json:"college_id" validate:"required,uuid"`
	StudentNumber  string `json:"student_number" validate:"required,notblank,max=32,nocontrol"`
	FullName       string `json:"full_name" validate:"required,notblank,max=100,nocontrol"`
	EnrollmentYear int    `json:"enrollment_year" validate:"required,min=1950,max=2100"`
	Major          string `json:"major" validate:"required,notblank,max=100,nocontrol"`
	CollegeEmail   string `json:"college_email" validate:"required,email,max=254"`
	Phone          string `json:"phone" validate:"required,cnmobile"`
}

// apply copies the form onto p, trimmed (and the e-mail lowercased).
func (in OnboardingInput) apply(p *models.StudentProfile) {
	p.CollegeID = in.CollegeID
	p.StudentNumber = strings.TrimSpace(in.StudentNumber)
	p.FullName = strings.TrimSpace(in.FullName)
	p.EnrollmentYear = in.EnrollmentYear
	p.Major = strings.TrimSpace(in.Major)
	p.CollegeEmail = strings.ToLower(strings.TrimSpace(in.CollegeEmail))
	p.Phone = strings.TrimSpace(in.Phone)
}

// checkOnboarding checks the actor and the form; a college id that is no
// id is refused before any write (whether the college exists is left to
// the profile's foreign key, which saves a round trip per submission).
func (a *App) checkOnboarding(actor Actor, in OnboardingInput) error {
	if err := actor.require(models.RoleApplicant); err != nil {
		return err
	}
	if err := a.validate(in); err != nil {
		return err
	}
	if _, err := uuid.Parse(in.CollegeID); err != nil {
		return workflows.Invalid("college_id", msg.CollegeBadID)
	}
	return nil
}

// SubmitOnboarding creates the applicant's student profile, pending, and
// starts its verification (onboarding:verify). An account has one profile:
// a second submission is a conflict (resubmit instead).
//
// The profile, its first event and its task are written by one statement
// sent with the unit's COMMIT, so in one round trip: this is the busiest
// submission of the programme.
func (a *App) SubmitOnboarding(ctx context.Context, actor Actor, in OnboardingInput) (models.StudentProfile, error) {
	if err := a.checkOnboarding(actor, in); err != nil {
		return models.StudentProfile{}, err
	}
	now := a.now()
	prof := models.StudentProfile{
		ID: models.NewID(), AccountID: actor.ID, Status: workflows.OnboardingPending, Revision: 1,
		Reasons: []models.Reason{}, CreatedAt: now, UpdatedAt: now,
	}
	in.apply(&prof)
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		task, err := w.OutboxRow(workflows.NewOnboardingVerifyTask(prof.ID, prof.Revision).For(prof.CollegeID))
		if err != nil {
			return err
		}
		w.Defer(`WITH p AS (
				INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name, enrollment_year, major,
					college_email, phone, status, revision, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id
			), ev AS (
				INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor)
				SELECT $14, p.id, '', $10, $15 FROM p
			)
			INSERT INTO outbox (id, task_type, payload, queue, process_at, max_retry, timeout_seconds, dispatched_at, dispatch_count,
				fair_key, trace_parent)
			SELECT $16, $17, $18::jsonb, $19, $20, $21, $22, $23, $24, $25, $26 FROM p`,
			prof.ID, prof.AccountID, prof.CollegeID, prof.StudentNumber, prof.FullName, prof.EnrollmentYear, prof.Major,
			prof.CollegeEmail, prof.Phone, prof.Status, prof.Revision, prof.CreatedAt, prof.UpdatedAt,
			workflows.OnboardingMachine.Entity, engine.ActorAccount(actor.ID),
			task.ID, task.TaskType, string(task.Payload), task.Queue, task.ProcessAt, task.MaxRetry, task.TimeoutSeconds,
			task.DispatchedAt, task.DispatchCount, task.FairKey, task.TraceParent)
		w.Claimed(task)
		return nil
	})
	switch {
	case engine.IsUniqueViolation(err):
		return models.StudentProfile{}, workflows.Refuse(workflows.ErrConflict, msg.OnboardingExists)
	case engine.IsForeignKeyViolation(err):
		return models.StudentProfile{}, workflows.Invalid("college_id", msg.CollegeNotPartner)
	case err != nil:
		return models.StudentProfile{}, fmt.Errorf("create profile: %w", err)
	}
	return prof, nil
}

// ResubmitOnboarding replaces the form of the applicant's rejected,
// needs_info or awaiting_email profile (a mistyped college address) and
// sends it back to pending, to be verified again; its codes are burnt.
func (a *App) ResubmitOnboarding(ctx context.Context, actor Actor, profileID string, in OnboardingInput) (models.StudentProfile, error) {
	if err := a.checkOnboarding(actor, in); err != nil {
		return models.StudentProfile{}, err
	}
	if err := checkID(profileID); err != nil {
		return models.StudentProfile{}, err
	}
	var prof models.StudentProfile
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&prof, "id = ? AND account_id = ?", profileID, actor.ID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock profile %s: %w", profileID, err)
		}
		if !workflows.OnboardingMachine.Allows(prof.Status, workflows.OnboardingPending) {
			return workflows.Refuse(workflows.ErrConflict, msg.OnboardingNotResubmittable, msg.Text("status", prof.Status))
		}
		from := prof.Status
		in.apply(&prof)
		prof.Status, prof.Reasons, prof.Revision, prof.UpdatedAt = workflows.OnboardingPending, []models.Reason{}, prof.Revision+1, a.now()
		if err := tx.Save(&prof).Error; err != nil {
			if engine.IsForeignKeyViolation(err) {
				return workflows.Invalid("college_id", msg.CollegeNotPartner)
			}
			return fmt.Errorf("save profile %s: %w", prof.ID, err)
		}
		workflows.BurnEmailCodes(w, prof.ID, prof.UpdatedAt)
		err = w.Record(workflows.OnboardingMachine, engine.Transition{
			EntityID: prof.ID, From: from, To: workflows.OnboardingPending, Actor: engine.ActorAccount(actor.ID),
		})
		if err != nil {
			return err
		}
		_, err = w.Enqueue(workflows.NewOnboardingVerifyTask(prof.ID, prof.Revision).For(prof.CollegeID))
		return err
	})
	return prof, err
}

// Profile is the student profile id, for its owner or an admin; anyone else
// gets workflows.ErrNotFound, so ids of others cannot be probed.
func (a *App) Profile(ctx context.Context, actor Actor, id string) (models.StudentProfile, error) {
	return readable(ctx, a, actor, id, func(p models.StudentProfile) string { return p.AccountID }, nil)
}

// OwnProfile is the actor's student profile, nil when they have none.
func (a *App) OwnProfile(ctx context.Context, actor Actor) (*models.StudentProfile, error) {
	var prof models.StudentProfile
	err := a.db.WithContext(ctx).Where("account_id = ?", actor.ID).Take(&prof).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load profile of %s: %w", actor.ID, err)
	}
	return &prof, nil
}

// requireVerified is the gate on shops, fund applications, enrollments and
// internship applications: the actor's student profile when it is
// verified, otherwise a refusal telling them to finish onboarding.
func (a *App) requireVerified(ctx context.Context, actor Actor) (models.StudentProfile, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return models.StudentProfile{}, err
	}
	prof, err := a.OwnProfile(ctx, actor)
	switch {
	case err != nil:
		return models.StudentProfile{}, err
	case prof == nil:
		return models.StudentProfile{}, workflows.Refuse(workflows.ErrForbidden, msg.OnboardingRequired)
	case prof.Status != workflows.OnboardingVerified:
		return models.StudentProfile{}, workflows.Refuse(workflows.ErrForbidden, msg.OnboardingNotVerified,
			msg.Text("status", prof.Status))
	}
	return *prof, nil
}
