package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CourseForm is a new course, already checked for shape by the caller.
type CourseForm struct {
	Title       string
	Description string
	// PassScore is the lowest passing score, 0..MaxScore.
	PassScore int
}

// CreateCourse adds a course. Titles are unique: a taken title is a
// validation error on "title".
func CreateCourse(ctx context.Context, db *gorm.DB, f CourseForm) (models.Course, error) {
	c := models.Course{
		ID: models.NewID(), Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description),
		PassScore: f.PassScore, CreatedAt: time.Now().UTC(),
	}
	err := db.WithContext(ctx).Create(&c).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return models.Course{}, Invalid("title", msg.TrainingCourseTitleTaken)
	}
	if err != nil {
		return models.Course{}, fmt.Errorf("create course: %w", err)
	}
	return c, nil
}

// Enroll enrolls accountID (a verified student; the caller checks) in
// courseID. A student has one open enrollment per course: enrolling again
// while enrolled, passed or certified is a conflict; after a failure they
// may enrol again.
func Enroll(ctx context.Context, db *gorm.DB, accountID, courseID string) (models.Enrollment, error) {
	var out models.Enrollment
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Course{}).Where("id = ?", courseID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up course %s: %w", courseID, err)
		}
		if n == 0 {
			return fmt.Errorf("course %s: %w", courseID, ErrNotFound)
		}
		now := time.Now().UTC()
		out = models.Enrollment{
			ID: models.NewID(), AccountID: accountID, CourseID: courseID, Status: EnrollmentEnrolled,
			Reasons: []models.Reason{}, CreatedAt: now, UpdatedAt: now,
		}
		err := tx.Create(&out).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.TrainingAlreadyEnrolled)
		}
		if err != nil {
			return fmt.Errorf("create enrollment: %w", err)
		}
		err = Record(ctx, tx, EnrollmentMachine, Transition{
			EntityID: out.ID, To: EnrollmentEnrolled, Actor: ActorAccount(accountID),
		})
		return err
	})
	return out, err
}

// RecordResult records the training platform's score for an enrolled
// enrollment, posted by the admin account adminID. It passes or fails the
// enrollment, tells the student, and on a pass enqueues certificate:issue,
// all in one transaction. A second result is a conflict.
func RecordResult(ctx context.Context, db *gorm.DB, adminID, enrollmentID string, score int) (Submitted[models.Enrollment], error) {
	var out Submitted[models.Enrollment]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.Enrollment
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&e, "id = ?", enrollmentID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("enrollment %s: %w", enrollmentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock enrollment %s: %w", enrollmentID, err)
		}
		if e.Status != EnrollmentEnrolled {
			return Refuse(ErrConflict, msg.TrainingResultRecorded, msg.Text("status", e.Status))
		}
		var course models.Course
		if err := tx.Take(&course, "id = ?", e.CourseID).Error; err != nil {
			return fmt.Errorf("load course %s: %w", e.CourseID, err)
		}
		state, reasons := DecideResult(score, course.PassScore)
		from, now := e.Status, time.Now().UTC()
		e.Status, e.Score, e.Reasons, e.ResultBy, e.ResultAt, e.UpdatedAt = state, &score, reasons, &adminID, &now, now
		if err := tx.Save(&e).Error; err != nil {
			return fmt.Errorf("save enrollment %s: %w", e.ID, err)
		}
		reason := ReasonsText(reasons)
		if state == EnrollmentPassed {
			reason = fmt.Sprintf("score %d of %d (pass %d); your certificate is being issued", score, MaxScore, course.PassScore)
		}
		notifyID, err := Advance(ctx, tx, EnrollmentMachine, e.AccountID, Transition{
			EntityID: e.ID, From: from, To: state, Actor: ActorAccount(adminID), Reason: reason,
		})
		if err != nil {
			return err
		}
		out = Submitted[models.Enrollment]{Entity: e, OutboxIDs: outboxIDs(notifyID)}
		if state == EnrollmentPassed {
			id, err := Enqueue(ctx, tx, NewCertificateIssueTask(e.ID))
			if err != nil {
				return err
			}
			out.OutboxIDs = append(out.OutboxIDs, id)
		}
		return nil
	})
	return out, err
}

// RevokeCertificate revokes the valid certificate serial for the admin
// adminID with reason, and tells its holder. Revoking twice is a conflict.
func RevokeCertificate(ctx context.Context, db *gorm.DB, adminID, serial, reason string) (Submitted[models.Certificate], error) {
	var out Submitted[models.Certificate]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c models.Certificate
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Omit("pdf").Take(&c, "serial = ?", serial).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("certificate %s: %w", serial, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock certificate %s: %w", serial, err)
		}
		if c.Status != CertificateValid {
			return Refuse(ErrConflict, msg.CertificateAlready, msg.Text("serial", serial), msg.Text("status", c.Status))
		}
		from, now, reason := c.Status, time.Now().UTC(), strings.TrimSpace(reason)
		c.Status, c.RevokedAt, c.RevokedBy, c.RevokeReason = CertificateRevoked, &now, &adminID, reason
		err = tx.Model(&c).Updates(map[string]any{
			"status": c.Status, "revoked_at": now, "revoked_by": adminID, "revoke_reason": reason,
		}).Error
		if err != nil {
			return fmt.Errorf("revoke certificate %s: %w", serial, err)
		}
		notifyID, err := Advance(ctx, tx, CertificateMachine, c.AccountID, Transition{
			EntityID: c.ID, From: from, To: CertificateRevoked, Actor: ActorAccount(adminID), Reason: reason,
		})
		out = Submitted[models.Certificate]{Entity: c, OutboxIDs: outboxIDs(notifyID)}
		return err
	})
	return out, err
}

// outboxIDs lists the outbox id Advance returned, if it enqueued a task.
func outboxIDs(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}
