package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
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

func enrollmentView(e app.Enrollment, pr i18n.Printer) EnrollmentView {
	return EnrollmentView{
		ID: e.ID, AccountID: e.AccountID, CourseID: e.CourseID, Status: e.Status, Score: e.Score,
		Reasons: reasonViews(e.Reasons, pr), CertificateSerial: e.CertificateSerial, ResultAt: utc(e.ResultAt),
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(), EventsURL: "/api/v1/enrollments/" + e.ID + "/events",
	}
}

func (s *server) listCourses(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.Courses(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, courseView))
}

func (s *server) getCourse(c echo.Context) error {
	course, err := s.app.Course(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, courseView(course))
}

func (s *server) createCourse(c echo.Context) error {
	var in app.CourseInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	course, err := s.app.CreateCourse(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, courseView(course))
}

func (s *server) enroll(c echo.Context) error {
	e, err := s.app.Enroll(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, enrollmentView(app.Enrollment{Enrollment: e}, printer(c)))
}

func (s *server) postResult(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.ResultInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := s.app.RecordResult(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, enrollmentView(app.Enrollment{Enrollment: e}, printer(c)))
}

func (s *server) getEnrollment(c echo.Context) error {
	e, err := s.app.Enrollment(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, enrollmentView(e, printer(c)))
}

// listEnrollments answers GET /enrollments: the caller's own enrollments,
// or for an admin (the training platform) everyone's, narrowed by
// ?course_id= and ?status=.
func (s *server) listEnrollments(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := app.EnrollmentFilter{CourseID: c.QueryParam("course_id"), Status: c.QueryParam("status")}
	l, err := s.app.Enrollments(c.Request().Context(), actor(c), f, p)
	if err != nil {
		return err
	}
	pr := printer(c)
	return c.JSON(http.StatusOK, listOf(l, func(e app.Enrollment) EnrollmentView { return enrollmentView(e, pr) }))
}
