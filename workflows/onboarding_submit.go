package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OnboardingForm is an applicant's onboarding submission, already checked
// for shape by the caller.
type OnboardingForm struct {
	CollegeID      string
	StudentNumber  string
	FullName       string
	EnrollmentYear int
	Major          string
	CollegeEmail   string
	Phone          string
}

// Submitted is the result of a submission: the entity and the outbox rows
// written with it, which the caller may dispatch at once after commit.
type Submitted[T any] struct {
	Entity    T
	OutboxIDs []string
}

// SubmitOnboarding creates accountID's profile, pending, and enqueues its
// verification. An account has one profile: a second submission is a conflict.
//
// The profile, its first event and its task are written by one statement,
// so in one implicit transaction and one round trip: this is the busiest
// submission of the programme.
func SubmitOnboarding(ctx context.Context, db *gorm.DB, accountID string, f OnboardingForm) (Submitted[models.StudentProfile], error) {
	if err := checkCollegeID(f.CollegeID); err != nil {
		return Submitted[models.StudentProfile]{}, err
	}
	now := time.Now().UTC()
	prof := models.StudentProfile{
		ID: models.NewID(), AccountID: accountID, Status: OnboardingPending, Revision: 1,
		Reasons: []models.Reason{}, CreatedAt: now, UpdatedAt: now,
	}
	applyForm(&prof, f)
	ev, err := newEvent(OnboardingMachine, Transition{EntityID: prof.ID, To: OnboardingPending, Actor: ActorAccount(accountID)})
	if err != nil {
		return Submitted[models.StudentProfile]{}, err
	}
	task, err := outboxRow(NewOnboardingVerifyTask(prof.ID, prof.Revision))
	if err != nil {
		return Submitted[models.StudentProfile]{}, err
	}
	pending := claim(ctx, &task)
	err = db.WithContext(ctx).Exec(`WITH p AS (
			INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name, enrollment_year, major,
				college_email, phone, status, revision, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
		), ev AS (
			INSERT INTO workflow_events (entity_type, entity_id, from_state, to_state, actor, reason, task_id, attempt)
			SELECT ?, p.id, ?, ?, ?, ?, ?, ? FROM p
		)
		INSERT INTO outbox (id, task_type, payload, queue, process_at, max_retry, timeout_seconds, dispatched_at, dispatch_count)
		SELECT ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ? FROM p`,
		prof.ID, prof.AccountID, prof.CollegeID, prof.StudentNumber, prof.FullName, prof.EnrollmentYear, prof.Major,
		prof.CollegeEmail, prof.Phone, prof.Status, prof.Revision, prof.CreatedAt, prof.UpdatedAt,
		ev.EntityType, ev.FromState, ev.ToState, ev.Actor, ev.Reason, ev.TaskID, ev.Attempt,
		task.ID, task.TaskType, string(task.Payload), task.Queue, task.ProcessAt, task.MaxRetry, task.TimeoutSeconds,
		task.DispatchedAt, task.DispatchCount).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Submitted[models.StudentProfile]{}, Refuse(ErrConflict, msg.OnboardingExists)
	}
	if err != nil {
		return Submitted[models.StudentProfile]{}, profileWriteError("create profile", err)
	}
	pending.add(task)
	return Submitted[models.StudentProfile]{Entity: prof, OutboxIDs: []string{task.ID}}, nil
}

// ResubmitOnboarding replaces the form of a rejected or needs_info profile
// owned by accountID and sends it back to pending.
func ResubmitOnboarding(ctx context.Context, db *gorm.DB, accountID, profileID string, f OnboardingForm) (Submitted[models.StudentProfile], error) {
	var out Submitted[models.StudentProfile]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var prof models.StudentProfile
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&prof, "id = ? AND account_id = ?", profileID, accountID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock profile %s: %w", profileID, err)
		}
		if !OnboardingMachine.Allows(prof.Status, OnboardingPending) {
			return Refuse(ErrConflict, msg.OnboardingNotResubmittable, msg.Text("status", prof.Status))
		}
		if err := checkCollegeID(f.CollegeID); err != nil {
			return err
		}
		from := prof.Status
		applyForm(&prof, f)
		prof.Status, prof.Reasons, prof.Revision, prof.UpdatedAt = OnboardingPending, []models.Reason{}, prof.Revision+1, time.Now().UTC()
		if err := tx.Save(&prof).Error; err != nil {
			return profileWriteError("save profile "+prof.ID, err)
		}
		id, err := startOnboarding(ctx, tx, prof, from, accountID)
		if err != nil {
			return err
		}
		out = Submitted[models.StudentProfile]{Entity: prof, OutboxIDs: []string{id}}
		return nil
	})
	return out, err
}

func startOnboarding(ctx context.Context, tx *gorm.DB, prof models.StudentProfile, from, accountID string) (string, error) {
	err := Record(ctx, tx, OnboardingMachine, Transition{
		EntityID: prof.ID, From: from, To: OnboardingPending, Actor: ActorAccount(accountID),
	})
	if err != nil {
		return "", err
	}
	return Enqueue(ctx, tx, NewOnboardingVerifyTask(prof.ID, prof.Revision))
}

func applyForm(p *models.StudentProfile, f OnboardingForm) {
	p.CollegeID = f.CollegeID
	p.StudentNumber = strings.TrimSpace(f.StudentNumber)
	p.FullName = strings.TrimSpace(f.FullName)
	p.EnrollmentYear = f.EnrollmentYear
	p.Major = strings.TrimSpace(f.Major)
	p.CollegeEmail = strings.ToLower(strings.TrimSpace(f.CollegeEmail))
	p.Phone = strings.TrimSpace(f.Phone)
}

// checkCollegeID rejects what cannot be a college id. Whether the college
// exists is left to the profile's foreign key (profileWriteError), which
// saves a round trip per submission.
func checkCollegeID(collegeID string) error {
	if _, err := uuid.Parse(collegeID); err != nil {
		return Invalid("college_id", msg.CollegeBadID)
	}
	return nil
}

// profileWriteError explains a failed profile write: the only foreign key
// a submission can break is its college's.
func profileWriteError(op string, err error) error {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return Invalid("college_id", msg.CollegeNotPartner)
	}
	return fmt.Errorf("%s: %w", op, err)
}
