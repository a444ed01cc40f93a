package api

import (
	"net/http"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
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

// CreateCollegeRequest is the body of POST /admin/colleges.
type CreateCollegeRequest struct {
	Name         string   `json:"name" validate:"required,max=100,nocontrol"`
	NameEN       string   `json:"name_en" validate:"max=200,nocontrol"`
	Province     string   `json:"province" validate:"required,max=50,nocontrol"`
	EmailDomains []string `json:"email_domains" validate:"required,min=1,max=10,dive,fqdn,max=100"`
}

func (s *server) listColleges(c echo.Context) error {
	q := s.db.WithContext(c.Request().Context())
	if term := strings.TrimSpace(c.QueryParam("q")); term != "" {
		if len(term) > 100 {
			return queryError("q", msg.FieldTooLong, msg.Int("max", 100))
		}
		like := "%" + escapeLike(term) + "%"
		q = q.Where("name ILIKE ? OR name_en ILIKE ? OR province ILIKE ?", like, like, like)
	}
	return listPage(c, q, "id", false, collegeView, func(v CollegeView) string { return v.ID })
}

func (s *server) createCollege(c echo.Context) error {
	var req CreateCollegeRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	domains := make([]string, len(req.EmailDomains))
	for i, d := range req.EmailDomains {
		domains[i] = strings.ToLower(d)
	}
	col := models.College{ID: models.NewID(), Name: strings.TrimSpace(req.Name), NameEN: strings.TrimSpace(req.NameEN),
		Province: strings.TrimSpace(req.Province), EmailDomains: domains}
	if err := s.db.WithContext(c.Request().Context()).Create(&col).Error; err != nil {
		if isDuplicate(err) {
			e := newError(http.StatusConflict, msg.CollegeNameTaken)
			e.fields = map[string]msg.Message{"name": msg.New(msg.FieldTaken)}
			return e
		}
		return err
	}
	return c.JSON(http.StatusCreated, collegeView(col))
}

// escapeLike makes a search term match literally inside LIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
