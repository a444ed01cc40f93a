package web

import (
	"fmt"
	"net/http"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// courseLimit is how many courses the course list shows.
const courseLimit = 200

// courseItem is a course with the applicant's latest enrollment in it.
type courseItem struct {
	models.Course
	// Status is the latest enrollment's status, "" when never enrolled.
	Status string
	// CanEnroll: never enrolled, or the last attempt failed.
	CanEnroll bool
}

func (s *site) coursesView(c echo.Context) (view, error) {
	acct, _ := account(c)
	db := s.db.WithContext(c.Request().Context())
	var courses []models.Course
	if err := db.Order("title, id").Limit(courseLimit).Find(&courses).Error; err != nil {
		return view{}, fmt.Errorf("load courses: %w", err)
	}
	var mine []models.Enrollment
	if err := db.Where("account_id = ?", acct.ID).Order("id").Find(&mine).Error; err != nil {
		return view{}, fmt.Errorf("load enrollments of %s: %w", acct.ID, err)
	}
	latest := make(map[string]string, len(mine))
	for _, e := range mine {
		latest[e.CourseID] = e.Status // ids grow with time: the last one wins
	}
	items := make([]courseItem, len(courses))
	for i, co := range courses {
		st := latest[co.ID]
		items[i] = courseItem{Course: co, Status: st, CanEnroll: st == "" || st == workflows.EnrollmentFailed}
	}
	v := s.newView(c, "courses.title")
	v.Data = items
	return v, nil
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
	acct, _ := account(c)
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v, err := s.coursesView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := s.kit.RequireVerified(ctx, acct.ID); err != nil {
		return s.submitted(c, "courses", v, err)
	}
	if _, err := workflows.Enroll(ctx, s.db, acct.ID, id); err != nil {
		return s.submitted(c, "courses", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/courses#course-"+id)
}
