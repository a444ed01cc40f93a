package web

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/labstack/echo/v4"
)

func (s *site) adminView(c echo.Context) (view, error) {
	return loaded(s, c, "admin.title", s.app.AdminOverview)
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
	var in app.StaffInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "admin", v, problems)
	}
	if _, err := s.app.CreateStaff(c.Request().Context(), actor(c), in); err != nil {
		return s.submitted(c, "admin", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin?created=1")
}
