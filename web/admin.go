package web

import (
	"fmt"
	"net/http"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// adminListLimit is how many of each kind the admin page shows, newest first.
const adminListLimit = 20

// adminPage is the admin's overview.
type adminPage struct {
	Programs []models.FundProgram
	Places   []models.InternshipPlace
	Courses  []models.Course
	Rounds   []models.MatchRound
	Accounts []models.Account
}

func (s *site) adminView(c echo.Context) (view, error) {
	db := s.db.WithContext(c.Request().Context())
	var d adminPage
	for _, q := range []struct {
		what string
		dst  any
	}{{"programmes", &d.Programs}, {"places", &d.Places}, {"courses", &d.Courses}, {"match rounds", &d.Rounds}} {
		if err := db.Order("id DESC").Limit(adminListLimit).Find(q.dst).Error; err != nil {
			return view{}, fmt.Errorf("load %s: %w", q.what, err)
		}
	}
	err := db.Where("role <> ?", models.RoleApplicant).Order("id DESC").Limit(adminListLimit).Find(&d.Accounts).Error
	if err != nil {
		return view{}, fmt.Errorf("load staff accounts: %w", err)
	}
	v := s.newView(c, "admin.title")
	v.Data = d
	return v, nil
}

func (s *site) adminHome(c echo.Context) error {
	v, err := s.adminView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "admin", v)
}

// createAccount adds a reviewer or admin account, as POST
// /api/v1/admin/accounts does.
func (s *site) createAccount(c echo.Context) error {
	v, err := s.adminView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var req api.CreateAccountRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "admin", v, problems)
	}
	if _, err := s.kit.CreateStaff(c.Request().Context(), req); err != nil {
		return s.submitted(c, "admin", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin?created=1")
}
