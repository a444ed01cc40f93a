package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IssueCertificate is the certificate:issue step: a random serial, the
// signed credential, its PDF and the certificate row, then the enrollment
// moves to certified. The enrollment lock, its state check and the unique
// enrollment id of certificates make it issue once however often it runs.
func (h *Handlers) IssueCertificate(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	var p workflows.CertificateIssuePayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var e models.Enrollment
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&e, "id = ?", p.EnrollmentID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.Permanentf("enrollment %s does not exist", p.EnrollmentID)
	}
	if err != nil {
		return fmt.Errorf("lock enrollment %s: %w", p.EnrollmentID, err)
	}
	if e.Status != workflows.EnrollmentPassed {
		return nil // already certified
	}
	key, ok := h.Keys.Signing()
	if !ok {
		return workflows.Fail(workflows.ErrNoSigningKey, msg.CertificateNoSigningKey)
	}
	var course models.Course
	if err := tx.Take(&course, "id = ?", e.CourseID).Error; err != nil {
		return fmt.Errorf("load course %s: %w", e.CourseID, err)
	}
	var prof models.StudentProfile
	err = tx.Take(&prof, "account_id = ? AND status = ?", e.AccountID, workflows.OnboardingVerified).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflows.Fail(fmt.Errorf("account %s has no verified student profile to take the holder's name from", e.AccountID),
			msg.CertificateNoHolder)
	}
	if err != nil {
		return fmt.Errorf("load profile of %s: %w", e.AccountID, err)
	}
	serial, err := certificates.NewSerial()
	if err != nil {
		return err
	}
	salt, err := certificates.NewSalt()
	if err != nil {
		return err
	}
	// The certificate's bit in the revocation lists: a sequence, so it is
	// never handed out twice, even when this attempt rolls back.
	var statusIndex int64
	if err := tx.Raw("SELECT nextval('certificate_status_index_seq')").Scan(&statusIndex).Error; err != nil {
		return fmt.Errorf("allocate a status list index for enrollment %s: %w", e.ID, err)
	}
	now := h.Now().UTC()
	in, err := workflows.CertificateInput(serial, prof.FullName, e.AccountID, salt, course, h.PublicBaseURL, now, statusIndex)
	if err != nil {
		return engine.Permanent(err)
	}
	signed, proofValue, err := workflows.SignCertificate(key, in)
	if err != nil {
		return engine.Permanent(fmt.Errorf("sign certificate of enrollment %s: %w", e.ID, err))
	}
	cert := models.Certificate{
		ID: models.NewID(), Serial: serial, EnrollmentID: e.ID, AccountID: e.AccountID, CourseID: e.CourseID,
		Status: workflows.CertificateValid, Credential: signed, KeyID: key.ID, Signature: proofValue,
		StatusIndex: statusIndex, IssuedAt: in.IssuedAt, CreatedAt: now,
	}
	// The PDF is rendered from the certificate as a verifier sees it, which
	// also proves the new certificate verifies against the published key.
	// Rendering costs tens of milliseconds and megabytes of garbage (the CJK
	// font is parsed and subset), so it happens once, here, not per download.
	if cert.PDF, err = workflows.CertificatePDF(workflows.VerifyCertificate(cert, h.Keys), serial, h.Zone); err != nil {
		return fmt.Errorf("certificate of enrollment %s: %w", e.ID, err)
	}
	if err := tx.Create(&cert).Error; err != nil {
		return fmt.Errorf("store certificate of enrollment %s: %w", e.ID, err)
	}
	issued := workflows.NewReason("", msg.CertificateIssued, msg.Text("serial", serial),
		msg.Text("url", workflows.VerifyURL(h.PublicBaseURL, serial)))
	if err := w.Record(workflows.CertificateMachine, run.Transition(cert.ID, "", workflows.CertificateValid, issued)); err != nil {
		return err
	}
	err = tx.Table("enrollments").Where("id = ?", e.ID).
		Updates(map[string]any{"status": workflows.EnrollmentCertified, "reasons": reasonsJSON(nil), "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("certify enrollment %s: %w", e.ID, err)
	}
	return w.Advance(workflows.EnrollmentMachine, e.AccountID, run.Transition(e.ID, e.Status, workflows.EnrollmentCertified, issued))
}

// IssueCertificateFailed records on the enrollment why its certificate could not be
// issued, so that the student and admins see it: the failure's own message
// (workflows.Fail) when it has one, else msg.CertificateNotIssued. The task
// stays archived in Asynqmon for ops to re-run.
func (h *Handlers) IssueCertificateFailed(ctx context.Context, w *engine.Work, run engine.Run, cause error) error {
	tx := w.DB()
	var p workflows.CertificateIssuePayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return nil // nothing to record it on
	}
	why, ok := workflows.FailureMessage(cause)
	if !ok {
		why = msg.New(msg.CertificateNotIssued)
	}
	reasons := []models.Reason{workflows.ReasonOf("", why)}
	err := tx.Table("enrollments").Where("id = ? AND status = ?", p.EnrollmentID, workflows.EnrollmentPassed).
		Updates(map[string]any{"reasons": reasonsJSON(reasons), "updated_at": h.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("record issue failure on enrollment %s: %w", p.EnrollmentID, err)
	}
	return nil
}
