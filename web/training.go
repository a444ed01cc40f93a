package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *site) coursesView(c echo.Context) (view, error) {
	return loaded(s, c, "courses.title", s.app.CourseChoices)
}

func (s *site) courses(c echo.Context) error {
	v, err := s.coursesView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "courses", v)
}

// enroll enrolls the applicant in the :id course, as POST
// /api/v1/courses/{id}/enrollments does.
func (s *site) enroll(c echo.Context) error {
	v, err := s.coursesView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	e, err := s.app.Enroll(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return s.submitted(c, "courses", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/courses#course-"+e.CourseID)
}
