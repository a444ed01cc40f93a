package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"gorm.io/gorm"
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
	// One round trip: the profile, locked, with its college's domains and
	// whether another verified profile has the same student number.
	var row struct {
		models.StudentProfile
		EmailDomains []string `gorm:"serializer:json"`
		Duplicate    bool
	}
	res := tx.Raw(`SELECT p.*, c.email_domains,
			EXISTS (SELECT 1 FROM student_profiles d WHERE d.college_id = p.college_id
				AND d.student_number = p.student_number AND d.status = 'verified' AND d.id <> p.id) AS duplicate
		FROM student_profiles p JOIN colleges c ON c.id = p.college_id
		WHERE p.id = ? FOR UPDATE OF p`, p.ProfileID).Scan(&row)
	if res.Error != nil {
		return fmt.Errorf("lock profile %s: %w", p.ProfileID, res.Error)
	}
	if res.RowsAffected == 0 {
		return workflows.Permanentf("profile %s does not exist", p.ProfileID)
	}
	prof := row.StudentProfile
	if prof.Status != workflows.OnboardingPending || prof.Revision != p.Revision {
		return nil // a later submission, or this one already decided
	}
	now := h.Now().UTC()
	state, reasons := workflows.DecideOnboarding(workflows.OnboardingCheck{
		CollegeDomains:    row.EmailDomains,
		CollegeEmail:      prof.CollegeEmail,
		StudentNumber:     prof.StudentNumber,
		EnrollmentYear:    prof.EnrollmentYear,
		CurrentYear:       now.Year(),
		DuplicateVerified: row.Duplicate,
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

// advance is workflows.Advance for steps, which need only its error.
func advance(ctx context.Context, tx *gorm.DB, m workflows.Machine, ownerID string, tr workflows.Transition) error {
	_, err := workflows.Advance(ctx, tx, m, ownerID, tr)
	return err
}
