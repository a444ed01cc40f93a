package api

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// CollegeView is a partner college.
type CollegeView struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	NameEN       string   `json:"name_en"`
	Province     string   `json:"province"`
	EmailDomains []string `json:"email_domains"`
}

func collegeView(c models.College) CollegeView {
	return CollegeView{ID: c.ID, Name: c.Name, NameEN: c.NameEN, Province: c.Province, EmailDomains: c.EmailDomains}
}

func (s *server) listColleges(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.Colleges(c.Request().Context(), c.QueryParam("q"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, collegeView))
}

func (s *server) createCollege(c echo.Context) error {
	var in app.CollegeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	col, err := s.app.CreateCollege(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, collegeView(col))
}
