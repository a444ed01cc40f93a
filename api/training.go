package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// CourseView is a training course. Scores run from 0 to 100.
type CourseView struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	PassScore   int       `json:"pass_score"`
	CreatedAt   time.Time `json:"created_at"`
}

func courseView(c models.Course) CourseView {
	return CourseView{ID: c.ID, Title: c.Title, Description: c.Description, PassScore: c.PassScore, CreatedAt: c.CreatedAt.UTC()}
}

// CreateCourseRequest is the body of POST /admin/courses.
type CreateCourseRequest struct {
	Title       string `json:"title" validate:"required,max=200,nocontrol"`
	Description string `json:"description" validate:"max=4000,nocontrol"`
	// PassScore is a pointer so that a missing score differs from 0.
	PassScore *int `json:"pass_score" validate:"required,min=0,max=100"`
}

// ResultRequest is the body of POST /admin/enrollments/{id}/result.
type ResultRequest struct {
	// Score is a pointer so that a missing score differs from 0.
	Score *int `json:"score" validate:"required,min=0,max=100"`
}

// EnrollmentView is an enrollment as its student and admins see it.
type EnrollmentView struct {
	ID        string       `json:"id"`
	AccountID string       `json:"account_id"`
	CourseID  string       `json:"course_id"`
	Status    string       `json:"status"`
	Score     *int         `json:"score"`
	Reasons   []ReasonView `json:"reasons"`
	// CertificateSerial is set once the certificate is issued.
	CertificateSerial *string    `json:"certificate_serial"`
	ResultAt          *time.Time `json:"result_at"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	EventsURL         string     `json:"events_url"`
}

func enrollmentView(e models.Enrollment, serial *string, p i18n.Printer) EnrollmentView {
	reasons := reasonViews(e.Reasons, p)
	v := EnrollmentView{
		ID: e.ID, AccountID: e.AccountID, CourseID: e.CourseID, Status: e.Status, Score: e.Score, Reasons: reasons,
		CertificateSerial: serial, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
		EventsURL: "/api/v1/enrollments/" + e.ID + "/events",
	}
	if e.ResultAt != nil {
		at := e.ResultAt.UTC()
		v.ResultAt = &at
	}
	return v
}

func (s *server) listCourses(c echo.Context) error {
	return listPage(c, s.db.WithContext(c.Request().Context()), "id", false, courseView,
		func(v CourseView) string { return v.ID })
}

func (s *server) getCourse(c echo.Context) error {
	return getByID(s, c, courseView)
}

func (s *server) createCourse(c echo.Context) error {
	var req CreateCourseRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	course, err := workflows.CreateCourse(c.Request().Context(), s.db, workflows.CourseForm{
		Title: req.Title, Description: req.Description, PassScore: *req.PassScore,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, courseView(course))
}

func (s *server) enroll(c echo.Context) error {
	courseID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.requireVerified(c); err != nil {
		return err
	}
	e, err := workflows.Enroll(c.Request().Context(), s.db, current(c).ID, courseID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, enrollmentView(e, nil, s.printer(c)))
}

func (s *server) postResult(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ResultRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.RecordResult(ctx, s.db, current(c).ID, id, *req.Score)
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, enrollmentView(sub.Entity, nil, s.printer(c)))
}

func (s *server) getEnrollment(c echo.Context) error {
	e, err := s.readableEnrollment(c)
	if err != nil {
		return err
	}
	serials, err := s.certificateSerials(c, []models.Enrollment{e})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, enrollmentView(e, serials[e.ID], s.printer(c)))
}

// listEnrollments answers GET /enrollments: the caller's own enrollments,
// or for an admin (the training platform) everyone's, narrowed by
// ?course_id= and ?status=.
func (s *server) listEnrollments(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := s.db.WithContext(c.Request().Context()).Order("id").Limit(p.limit + 1)
	if acct := current(c); acct.Role != models.RoleAdmin {
		q = q.Where("account_id = ?", acct.ID)
	}
	if q, err = filterEnrollments(c, q); err != nil {
		return err
	}
	if p.after != "" {
		q = q.Where("id > ?", p.after)
	}
	var rows []models.Enrollment
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	serials, err := s.certificateSerials(c, rows)
	if err != nil {
		return err
	}
	views := make([]EnrollmentView, len(rows))
	pr := s.printer(c)
	for i, r := range rows {
		views[i] = enrollmentView(r, serials[r.ID], pr)
	}
	return c.JSON(http.StatusOK, finish(views, p, func(v EnrollmentView) string { return v.ID }))
}

// filterEnrollments applies ?course_id= and ?status= to q.
func filterEnrollments(c echo.Context, q *gorm.DB) (*gorm.DB, error) {
	if raw := c.QueryParam("course_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return nil, queryError("course_id", msg.FieldID)
		}
		q = q.Where("course_id = ?", id.String())
	}
	switch st := c.QueryParam("status"); st {
	case "":
	case workflows.EnrollmentEnrolled, workflows.EnrollmentPassed, workflows.EnrollmentFailed, workflows.EnrollmentCertified:
		q = q.Where("status = ?", st)
	default:
		return nil, queryError("status", msg.FieldOneOf, msg.Texts("values", []string{workflows.EnrollmentEnrolled,
			workflows.EnrollmentPassed, workflows.EnrollmentFailed, workflows.EnrollmentCertified}))
	}
	return q, nil
}

// certificateSerials maps the certified enrollments among rows to their
// certificate serials, in one query.
func (s *server) certificateSerials(c echo.Context, rows []models.Enrollment) (map[string]*string, error) {
	var ids []string
	for _, r := range rows {
		if r.Status == workflows.EnrollmentCertified {
			ids = append(ids, r.ID)
		}
	}
	out := map[string]*string{}
	if len(ids) == 0 {
		return out, nil
	}
	var certs []models.Certificate
	if err := s.db.WithContext(c.Request().Context()).Select("enrollment_id", "serial").
		Where("enrollment_id IN ?", ids).Find(&certs).Error; err != nil {
		return nil, err
	}
	for _, cert := range certs {
		out[cert.EnrollmentID] = &cert.Serial
	}
	return out, nil
}

func (s *server) enrollmentEvents(c echo.Context) error {
	e, err := s.readableEnrollment(c)
	if err != nil {
		return err
	}
	return s.events(c, e.ID)
}

// readableEnrollment loads the :id enrollment if the caller may read it
// (its student or an admin); otherwise it is not found.
func (s *server) readableEnrollment(c echo.Context) (models.Enrollment, error) {
	return readable(s, c, func(e models.Enrollment) string { return e.AccountID }, nil)
}
