package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CourseInput is a new course: the body of POST /admin/courses and the admin
// training page's form.
type CourseInput struct {
	Title       string `json:"title" validate:"required,notblank,max=200,nocontrol"`
	Description string `json:"description" validate:"max=4000,nocontrol"`
	// PassScore is a pointer so that a missing score differs from 0.
	PassScore *int `json:"pass_score" validate:"required,min=0,max=100"`
}

// CreateCourse adds a course. Titles are unique: a taken title is a
// validation error on "title".
func (a *App) CreateCourse(ctx context.Context, actor Actor, in CourseInput) (models.Course, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.Course{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Course{}, err
	}
	c := models.Course{
		ID: models.NewID(), Title: strings.TrimSpace(in.Title), Description: strings.TrimSpace(in.Description),
		PassScore: *in.PassScore, CreatedAt: a.now(),
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		if err := w.DB().Create(&c).Error; err != nil {
			return err
		}
		return a.audit(w, actor, AuditCreateCourse, "course", c.ID, nil, c)
	})
	if engine.IsUniqueViolation(err) {
		return models.Course{}, workflows.Invalid("title", msg.TrainingCourseTitleTaken)
	}
	if err != nil {
		return models.Course{}, fmt.Errorf("create course: %w", err)
	}
	return c, nil
}

// Courses lists the courses by id; anyone may read them.
func (a *App) Courses(ctx context.Context, p Page) (List[models.Course], error) {
	return listRows(a.db.WithContext(ctx), p, "id", false, func(c models.Course) string { return c.ID })
}

// Course is the course id; anyone may read it.
func (a *App) Course(ctx context.Context, id string) (models.Course, error) {
	return public[models.Course](ctx, a, id)
}

// CourseChoice is a course with the applicant's latest enrollment in it.
type CourseChoice struct {
	models.Course
	// Status is the latest enrollment's status, "" when never enrolled.
	Status string
	// CanEnroll: never enrolled, or the last attempt failed.
	CanEnroll bool
}

// courseListLimit is how many courses the applicant's course list shows.
const courseListLimit = 200

// CourseChoices lists the courses by title with the applicant's latest
// enrollment in each.
func (a *App) CourseChoices(ctx context.Context, actor Actor) ([]CourseChoice, error) {
	db := a.db.WithContext(ctx)
	var courses []models.Course
	if err := db.Order("title, id").Limit(courseListLimit).Find(&courses).Error; err != nil {
		return nil, fmt.Errorf("load courses: %w", err)
	}
	var mine []models.Enrollment
	if err := db.Where("account_id = ?", actor.ID).Order("id").Find(&mine).Error; err != nil {
		return nil, fmt.Errorf("load enrollments of %s: %w", actor.ID, err)
	}
	latest := make(map[string]string, len(mine))
	for _, e := range mine {
		latest[e.CourseID] = e.Status // ids grow with time: the last one wins
	}
	out := make([]CourseChoice, len(courses))
	for i, co := range courses {
		st := latest[co.ID]
		out[i] = CourseChoice{Course: co, Status: st, CanEnroll: st == "" || st == workflows.EnrollmentFailed}
	}
	return out, nil
}

// Enroll enrolls the verified applicant in the course. A student has one
// open enrollment per course: enrolling again while enrolled, passed or
// certified is a conflict; after a failure they may enrol again.
func (a *App) Enroll(ctx context.Context, actor Actor, courseID string) (models.Enrollment, error) {
	if err := checkID(courseID); err != nil {
		return models.Enrollment{}, err
	}
	if _, err := a.requireVerified(ctx, actor); err != nil {
		return models.Enrollment{}, err
	}
	var out models.Enrollment
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		var n int64
		if err := tx.Model(&models.Course{}).Where("id = ?", courseID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up course %s: %w", courseID, err)
		}
		if n == 0 {
			return fmt.Errorf("course %s: %w", courseID, workflows.ErrNotFound)
		}
		now := a.now()
		out = models.Enrollment{
			ID: models.NewID(), AccountID: actor.ID, CourseID: courseID, Status: workflows.EnrollmentEnrolled,
			Reasons: []models.Reason{}, CreatedAt: now, UpdatedAt: now,
		}
		err := tx.Create(&out).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.TrainingAlreadyEnrolled)
		}
		if err != nil {
			return fmt.Errorf("create enrollment: %w", err)
		}
		return w.Record(workflows.EnrollmentMachine, engine.Transition{
			EntityID: out.ID, To: workflows.EnrollmentEnrolled, Actor: engine.ActorAccount(actor.ID),
		})
	})
	return out, err
}

// ResultInput is the training platform's result: the body of POST
// /admin/enrollments/{id}/result and the admin training page's row form.
type ResultInput struct {
	// Score is a pointer so that a missing score differs from 0.
	Score *int `json:"score" validate:"required,min=0,max=100"`
}

// RecordResult records the training platform's score for an enrolled
// enrollment, posted by an admin account. It passes or fails the
// enrollment, tells the student, and on a pass starts the certificate's
// issuance, in one unit of work. A second result is a conflict.
func (a *App) RecordResult(ctx context.Context, actor Actor, enrollmentID string, in ResultInput) (models.Enrollment, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.Enrollment{}, err
	}
	if err := checkID(enrollmentID); err != nil {
		return models.Enrollment{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Enrollment{}, err
	}
	var e models.Enrollment
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		var err error
		e, err = a.recordResult(w, actor, enrollmentID, *in.Score)
		return err
	})
	return e, err
}

// recordResult is RecordResult's unit of work for one enrollment: a
// refusal is an error (a workflows.Refusal or ErrNotFound), and the caller
// rolls back.
func (a *App) recordResult(w *engine.Work, actor Actor, enrollmentID string, score int) (models.Enrollment, error) {
	var e models.Enrollment
	tx := w.DB()
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&e, "id = ?", enrollmentID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return e, fmt.Errorf("enrollment %s: %w", enrollmentID, workflows.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("lock enrollment %s: %w", enrollmentID, err)
	}
	if e.Status != workflows.EnrollmentEnrolled {
		return e, workflows.Refuse(workflows.ErrConflict, msg.TrainingResultRecorded, msg.Text("status", e.Status))
	}
	var course models.Course
	if err := tx.Take(&course, "id = ?", e.CourseID).Error; err != nil {
		return e, fmt.Errorf("load course %s: %w", e.CourseID, err)
	}
	state, reasons := workflows.DecideResult(score, course.PassScore)
	before := e
	from, now := e.Status, a.now()
	e.Status, e.Score, e.Reasons, e.ResultBy, e.ResultAt, e.UpdatedAt = state, &score, reasons, &actor.ID, &now, now
	if err := tx.Save(&e).Error; err != nil {
		return e, fmt.Errorf("save enrollment %s: %w", e.ID, err)
	}
	if err := a.audit(w, actor, AuditRecordResult, "enrollment", e.ID, before, e); err != nil {
		return e, err
	}
	note := reasons
	if state == workflows.EnrollmentPassed {
		note = []models.Reason{workflows.NewReason("", msg.TrainingPassed, msg.Int("score", int64(score)),
			msg.Int("max", workflows.MaxScore), msg.Int("pass", int64(course.PassScore)))}
	}
	err = w.Advance(workflows.EnrollmentMachine, e.AccountID, engine.Transition{
		EntityID: e.ID, From: from, To: state, Actor: engine.ActorAccount(actor.ID), Reasons: note,
	})
	if err != nil || state != workflows.EnrollmentPassed {
		return e, err
	}
	college, err := collegeOf(w, e.AccountID)
	if err != nil {
		return e, err
	}
	_, err = w.Enqueue(workflows.NewCertificateIssueTask(e.ID).For(college))
	return e, err
}

// Enrollment is an enrollment and, once issued, its certificate's serial.
type Enrollment struct {
	models.Enrollment
	CertificateSerial *string
}

// Enrollment is the enrollment id for its student or an admin.
func (a *App) Enrollment(ctx context.Context, actor Actor, id string) (Enrollment, error) {
	e, err := a.readableEnrollment(ctx, actor, id)
	if err != nil {
		return Enrollment{}, err
	}
	out, err := a.withSerials(ctx, []models.Enrollment{e})
	if err != nil {
		return Enrollment{}, err
	}
	return out[0], nil
}

func (a *App) readableEnrollment(ctx context.Context, actor Actor, id string) (models.Enrollment, error) {
	return readable(ctx, a, actor, id, func(e models.Enrollment) string { return e.AccountID }, nil)
}

// EnrollmentEvents is the timeline of the enrollment id, for its student or
// an admin.
func (a *App) EnrollmentEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	e, err := a.readableEnrollment(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, e.ID, p)
}

// EnrollmentFilter narrows a list of enrollments: by course id and by status.
type EnrollmentFilter struct {
	CourseID string
	Status   string
}

// Enrollments lists the actor's own enrollments, or for an admin (the
// training platform) everyone's, narrowed by f, oldest first.
func (a *App) Enrollments(ctx context.Context, actor Actor, f EnrollmentFilter, p Page) (List[Enrollment], error) {
	q := a.db.WithContext(ctx)
	if !actor.IsAdmin() {
		q = q.Where("account_id = ?", actor.ID)
	}
	if f.CourseID != "" {
		id, err := uuid.Parse(f.CourseID)
		if err != nil {
			return List[Enrollment]{}, workflows.Invalid("course_id", msg.FieldID)
		}
		q = q.Where("course_id = ?", id.String())
	}
	switch f.Status {
	case "":
	case workflows.EnrollmentEnrolled, workflows.EnrollmentPassed, workflows.EnrollmentFailed, workflows.EnrollmentCertified:
		q = q.Where("status = ?", f.Status)
	default:
		return List[Enrollment]{}, workflows.Invalid("status", msg.FieldOneOf, msg.Texts("values", []string{
			workflows.EnrollmentEnrolled, workflows.EnrollmentPassed, workflows.EnrollmentFailed, workflows.EnrollmentCertified}))
	}
	rows, err := listRows(q, p, "id", false, func(e models.Enrollment) string { return e.ID })
	if err != nil {
		return List[Enrollment]{}, err
	}
	items, err := a.withSerials(ctx, rows.Items)
	return List[Enrollment]{Items: items, NextCursor: rows.NextCursor}, err
}

// withSerials adds to rows the serials of the certified ones' certificates,
// in one query.
func (a *App) withSerials(ctx context.Context, rows []models.Enrollment) ([]Enrollment, error) {
	out := make([]Enrollment, len(rows))
	var ids []string
	for i, r := range rows {
		out[i].Enrollment = r
		if r.Status == workflows.EnrollmentCertified {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var certs []models.Certificate
	if err := a.db.WithContext(ctx).Select("enrollment_id", "serial").Where("enrollment_id IN ?", ids).Find(&certs).Error; err != nil {
		return nil, fmt.Errorf("load certificate serials: %w", err)
	}
	serials := make(map[string]string, len(certs))
	for _, c := range certs {
		serials[c.EnrollmentID] = c.Serial
	}
	for i := range out {
		if s, ok := serials[out[i].ID]; ok {
			out[i].CertificateSerial = &s
		}
	}
	return out, nil
}

// Certificate is a certificate as checked now: its signature against the
// published keys, and whether it was revoked.
type Certificate struct {
	models.Certificate
	Verification workflows.Verification
}

// Certificate looks a certificate up by a serial as a person typed it
// (forgiving case, dashes and look-alike letters) and verifies it now;
// anyone may. Malformed and unknown serials are the same
// workflows.ErrNotFound. The PDF is loaded only when withPDF.
func (a *App) Certificate(ctx context.Context, rawSerial string, withPDF bool) (Certificate, error) {
	serial, ok := certificates.NormalizeSerial(rawSerial)
	if !ok {
		return Certificate{}, workflows.ErrNotFound
	}
	q := a.db.WithContext(ctx)
	if !withPDF {
		q = q.Omit("pdf")
	}
	var cert models.Certificate
	err := q.Take(&cert, "serial = ?", serial).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Certificate{}, workflows.ErrNotFound
	}
	if err != nil {
		return Certificate{}, fmt.Errorf("load certificate %s: %w", serial, err)
	}
	return Certificate{Certificate: cert, Verification: workflows.VerifyCertificate(cert, a.keys)}, nil
}

// CertificatePDF is the PDF stored at issuance, served only while the
// certificate verifies and is not revoked (a conflict otherwise, saying why).
func (a *App) CertificatePDF(ctx context.Context, rawSerial string) (Certificate, error) {
	cert, err := a.Certificate(ctx, rawSerial, true)
	if err != nil {
		return Certificate{}, err
	}
	switch v := cert.Verification; {
	case v.Revoked:
		return Certificate{}, workflows.Refuse(workflows.ErrConflict, msg.CertificateRevoked)
	case !v.SignatureValid:
		return Certificate{}, &workflows.Refusal{Kind: workflows.ErrConflict, Msg: v.Problem}
	}
	return cert, nil
}

// CertificateKeys are the published keys that verify certificates.
func (a *App) CertificateKeys() []workflows.PublishedKey { return a.keys.Published() }

// RevokeInput is an admin's revocation: the body of POST
// /admin/certificates/{serial}/revoke and the admin training page's form.
type RevokeInput struct {
	Reason string `json:"reason" validate:"required,notblank,max=500,nocontrol"`
}

// RevokeCertificate revokes the valid certificate rawSerial with the
// admin's reason, and tells its holder: its bit in its revocation status
// list is set and the list credential signed again in the same unit of
// work, so standard verifiers see the revocation. Revoking twice is a
// conflict.
func (a *App) RevokeCertificate(ctx context.Context, actor Actor, rawSerial string, in RevokeInput) (Certificate, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Certificate{}, err
	}
	serial, ok := certificates.NormalizeSerial(rawSerial)
	if !ok {
		return Certificate{}, workflows.ErrNotFound
	}
	if err := a.validate(in); err != nil {
		return Certificate{}, err
	}
	var c models.Certificate
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Omit("pdf").Take(&c, "serial = ?", serial).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("certificate %s: %w", serial, workflows.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock certificate %s: %w", serial, err)
		}
		if c.Status != workflows.CertificateValid {
			return workflows.Refuse(workflows.ErrConflict, msg.CertificateAlready, msg.Text("serial", serial), msg.Text("status", c.Status))
		}
		revoked := []models.Certificate{c}
		if err := a.revokeCertificates(ctx, w, actor, revoked, strings.TrimSpace(in.Reason)); err != nil {
			return err
		}
		c = revoked[0]
		return nil
	})
	if err != nil {
		return Certificate{}, err
	}
	return Certificate{Certificate: c, Verification: workflows.VerifyCertificate(c, a.keys)}, nil
}

// CertificateEvents is the timeline of the certificate rawSerial, for its
// holder and admins (it names the admin who revoked it, and why).
func (a *App) CertificateEvents(ctx context.Context, actor Actor, rawSerial string, p Page) (Timeline, error) {
	cert, err := a.Certificate(ctx, rawSerial, false)
	if err != nil {
		return Timeline{}, err
	}
	if !actor.canRead(cert.AccountID, false) {
		return Timeline{}, workflows.ErrNotFound
	}
	return a.timeline(ctx, cert.ID, p)
}

// certificateView is what the audit log keeps of a certificate: its state,
// not its credential or PDF.
func certificateView(c models.Certificate) map[string]any {
	return map[string]any{"id": c.ID, "serial": c.Serial, "status": c.Status, "revoked_at": c.RevokedAt,
		"revoked_by": c.RevokedBy, "revoke_reason": c.RevokeReason}
}

// revokeCertificates revokes the valid certificates certs, locked in the
// unit w, for reason: each row, audit entry, holder's timeline and
// notification, then each status list they are in signed again once.
// RevokeCertificate and a dispute's revocation share it.
func (a *App) revokeCertificates(ctx context.Context, w *engine.Work, actor Actor, certs []models.Certificate, reason string) error {
	var lists []int64
	for i := range certs {
		c := &certs[i]
		before := certificateView(*c)
		from, now := c.Status, a.now()
		c.Status, c.RevokedAt, c.RevokedBy, c.RevokeReason = workflows.CertificateRevoked, &now, &actor.ID, reason
		err := w.DB().Model(c).Updates(map[string]any{
			"status": c.Status, "revoked_at": now, "revoked_by": actor.ID, "revoke_reason": reason,
		}).Error
		if err != nil {
			return fmt.Errorf("revoke certificate %s: %w", c.Serial, err)
		}
		if err := a.audit(w, actor, AuditRevokeCertificate, "certificate", c.ID, before, certificateView(*c)); err != nil {
			return err
		}
		err = w.Advance(workflows.CertificateMachine, c.AccountID, engine.Transition{
			EntityID: c.ID, From: from, To: workflows.CertificateRevoked, Actor: engine.ActorAccount(actor.ID),
			Reasons: []models.Reason{workflows.NewReason("", msg.CertificateRevokedBecause, msg.Text("reason", reason))},
		})
		if err != nil {
			return err
		}
		list, _ := certificates.StatusPosition(c.StatusIndex)
		if !slices.Contains(lists, list) {
			lists = append(lists, list)
		}
	}
	for _, list := range lists {
		if err := a.signStatusList(ctx, w.DB(), list); err != nil {
			return err
		}
	}
	return nil
}
