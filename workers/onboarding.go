package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Onboarding verifies student profiles.
type Onboarding struct {
	// Now is the clock; the enrollment-year rule depends on it.
	Now func() time.Time
}

// Verify is the onboarding:verify step.
func (h *Onboarding) Verify(ctx context.Context, tx *gorm.DB, run Run) error {
	var p workflows.OnboardingVerifyPayload
	if err := workflows.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var prof models.StudentProfile
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&prof, "id = ?", p.ProfileID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflows.Permanentf("profile %s does not exist", p.ProfileID)
	}
	if err != nil {
		return fmt.Errorf("lock profile %s: %w", p.ProfileID, err)
	}
	if prof.Status != workflows.OnboardingPending || prof.Revision != p.Revision {
		return nil // a later submission, or this one already decided
	}
	var college models.College
	if err := tx.Take(&college, "id = ?", prof.CollegeID).Error; err != nil {
		return fmt.Errorf("load college %s: %w", prof.CollegeID, err)
	}
	var duplicate bool
	err = tx.Raw(`SELECT EXISTS (SELECT 1 FROM student_profiles
		WHERE college_id = ? AND student_number = ? AND status = 'verified' AND id <> ?)`,
		prof.CollegeID, prof.StudentNumber, prof.ID).Row().Scan(&duplicate)
	if err != nil {
		return fmt.Errorf("look for a verified duplicate of %s: %w", prof.ID, err)
	}
	now := h.Now().UTC()
	state, reasons := workflows.DecideOnboarding(workflows.OnboardingCheck{
		CollegeDomains:    college.EmailDomains,
		CollegeEmail:      prof.CollegeEmail,
		StudentNumber:     prof.StudentNumber,
		EnrollmentYear:    prof.EnrollmentYear,
		CurrentYear:       now.Year(),
		DuplicateVerified: duplicate,
	})
	updates := map[string]any{"status": state, "reasons": reasonsJSON(reasons), "updated_at": now}
	if state == workflows.OnboardingVerified {
		updates["verified_at"] = now
	}
	// A concurrent verification of the same student number loses on the
	// partial unique index; the retry then finds the duplicate and rejects.
	if err := tx.Table("student_profiles").Where("id = ?", prof.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("update profile %s: %w", prof.ID, err)
	}
	return advance(ctx, tx, workflows.OnboardingMachine, prof.AccountID,
		run.Transition(prof.ID, prof.Status, state, workflows.ReasonsText(reasons)))
}

// advance records a transition and enqueues the notification of its owner.
func advance(ctx context.Context, tx *gorm.DB, m workflows.Machine, ownerID string, tr workflows.Transition) error {
	ev, err := workflows.Record(ctx, tx, m, tr)
	if err != nil {
		return err
	}
	if _, err := workflows.Enqueue(ctx, tx, workflows.NewNotifySendTask(ev.ID, ownerID)); err != nil {
		return err
	}
	return nil
}
