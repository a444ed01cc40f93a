package workers

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// VerifyOnboarding is the onboarding:verify step: it applies
// workflows.DecideOnboarding to the submission (revision) the task names,
// unless a later submission replaced it or it was decided already.
func (h *Handlers) VerifyOnboarding(ctx context.Context, w *engine.Work, run engine.Run) error {
	var p workflows.OnboardingVerifyPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	tx := w.DB()
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
		return engine.Permanentf("profile %s does not exist", p.ProfileID)
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
	if err := tx.Table("student_profiles").Where("id = ?", prof.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("update profile %s: %w", prof.ID, err)
	}
	tr := run.Transition(prof.ID, prof.Status, state, reasons...)
	if state == workflows.OnboardingAwaitingEmail {
		// The checks passed: the college mailbox is proven by a code, which
		// the applicant confirms (app.ConfirmEmailCode); nothing here verifies.
		if _, err := workflows.NewEmailCodeRow(w, prof, now); err != nil {
			return err
		}
		tr.Reasons = append(tr.Reasons, workflows.NewReason("college_email", msg.OnboardingEmailCodeSent,
			msg.Text("email", workflows.MaskEmail(prof.CollegeEmail))))
	}
	return w.Advance(workflows.OnboardingMachine, prof.AccountID, tr)
}
