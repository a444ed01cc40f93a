package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// Money fields of the programme form: typed in yuan, sent in fen.
var (
	budgetField   = money{yuan: "budget", fen: "budget_fen"}
	maxGrantField = money{yuan: "max_grant", fen: "max_grant_fen"}
)

// localTimeLayout is what a datetime-local input sends.
const localTimeLayout = "2006-01-02T15:04"

// RFC3339Form rewrites the form's fields names from a datetime-local value
// ("2026-09-01T08:00", read as UTC) to the RFC 3339 time the API takes;
// other values stay, for the API's own message.
func RFC3339Form(form url.Values, names ...string) {
	for _, name := range names {
		if t, err := time.Parse(localTimeLayout, form.Get(name)); err == nil {
			form.Set(name, t.UTC().Format(time.RFC3339))
		}
	}
}

func (s *site) adminFundView(c echo.Context) (view, error) {
	return loaded(s, c, "admin.programs", s.app.AdminFund)
}

func (s *site) adminFund(c echo.Context) error {
	return s.adminPage(c, "admin_fund", s.adminFundView)
}

// adminPage renders an admin page built by load.
func (s *site) adminPage(c echo.Context, name string, load func(echo.Context) (view, error)) error {
	v, err := load(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form.Set("done", c.QueryParam("done"))
	return s.render(c, http.StatusOK, name, v)
}

// createProgram creates a fund programme, as POST
// /api/v1/admin/fund-programs does, with the money typed in yuan.
func (s *site) createProgram(c echo.Context) error {
	v, err := s.adminFundView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	RFC3339Form(form, "opens_at", "closes_at")
	var in app.FundProgramInput
	if problems := decodeMoney(form, &in, budgetField, maxGrantField); problems != nil {
		return s.formProblem(c, "admin_fund", v, problems)
	}
	if _, err := s.app.CreateFundProgram(c.Request().Context(), actor(c), in); err != nil {
		return s.submittedMoney(c, "admin_fund", v, err, form, budgetField, maxGrantField)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/fund?done=program")
}

func (s *site) adminTrainingView(c echo.Context) (view, error) {
	return loaded(s, c, "admin.courses", s.app.AdminTraining)
}

func (s *site) adminTraining(c echo.Context) error {
	return s.adminPage(c, "admin_training", s.adminTrainingView)
}

// createCourse adds a course, as POST /api/v1/admin/courses does.
func (s *site) createCourse(c echo.Context) error {
	v, err := s.adminTrainingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var in app.CourseInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("form", "course")
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	if _, err := s.app.CreateCourse(c.Request().Context(), actor(c), in); err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=course")
}

// rowForm reads a form posted from a table row of an admin page: the
// page's view holding the form with the row (the path's id) marked
// (view.Input), and in decoded (problems for the row's fields).
func (s *site) rowForm(c echo.Context, page func(echo.Context) (view, error), in any) (view, map[string]msg.Message, error) {
	v, err := page(c)
	if err != nil {
		return view{}, nil, err
	}
	form, problems, err := s.bind(c, in)
	if err != nil {
		return view{}, nil, err
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("row", c.Param("id"))
	return v, problems, nil
}

// recordResult records an enrollment's score, as POST
// /api/v1/admin/enrollments/{id}/result does.
func (s *site) recordResult(c echo.Context) error {
	var in app.ResultInput
	v, problems, err := s.rowForm(c, s.adminTrainingView, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form.Set("form", "result")
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	if _, err := s.app.RecordResult(c.Request().Context(), actor(c), c.Param("id"), in); err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=result")
}

// revokeCertificate revokes a certificate, as POST
// /api/v1/admin/certificates/{serial}/revoke does; the serial is typed in
// the form, and one that names no certificate shows beside it.
func (s *site) revokeCertificate(c echo.Context) error {
	v, err := s.adminTrainingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var in app.RevokeInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("form", "revoke")
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	_, err = s.app.RevokeCertificate(c.Request().Context(), actor(c), form.Get("serial"), in)
	if errors.Is(err, workflows.ErrNotFound) && !errors.As(err, new(*workflows.Refusal)) {
		return s.formProblem(c, "admin_training", v, map[string]msg.Message{"serial": msg.New(msg.FieldSerial)})
	}
	if err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=revoke")
}

func (s *site) adminShopsView(c echo.Context) (view, error) {
	return loaded(s, c, "admin.shops", s.app.ShopsAwaitingDecision)
}

func (s *site) adminShops(c echo.Context) error {
	return s.adminPage(c, "admin_shops", s.adminShopsView)
}

// confirmShop is an admin's decision on a shop, as POST
// /api/v1/admin/shops/{id}/confirm takes it.
func (s *site) confirmShop(c echo.Context) error {
	var in app.ConfirmShopInput
	v, problems, err := s.rowForm(c, s.adminShopsView, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "admin_shops", v, problems)
	}
	if _, err := s.app.ConfirmShop(c.Request().Context(), actor(c), c.Param("id"), in); err != nil {
		return s.submitted(c, "admin_shops", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/shops?done=shop")
}

func (s *site) adminInternshipsView(c echo.Context) (view, error) {
	return loaded(s, c, "admin.places", s.app.AdminInternships)
}

func (s *site) adminInternships(c echo.Context) error {
	return s.adminPage(c, "admin_internships", s.adminInternshipsView)
}

// changePlace changes a place's seats or status, as PATCH
// /api/v1/admin/internships/{id} does; the row's form sends both.
func (s *site) changePlace(c echo.Context) error {
	var in app.PlaceChangeInput
	v, problems, err := s.rowForm(c, s.adminInternshipsView, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "admin_internships", v, problems)
	}
	if _, err := s.app.ChangePlace(c.Request().Context(), actor(c), c.Param("id"), in); err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=place")
}

// createPlace adds an internship place, as POST /api/v1/admin/internships
// does; its skills are typed in one field, as on the ranking form.
func (s *site) createPlace(c echo.Context) error {
	v, err := s.adminInternshipsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	raw, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(raw)
	var in app.PlaceInput
	if problems := DecodeForm(SkillsForm(raw), &in); problems != nil {
		return s.formProblem(c, "admin_internships", v, problems)
	}
	if _, err := s.app.CreatePlace(c.Request().Context(), actor(c), in); err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=place")
}

// startRound queues a matching round, as POST /api/v1/admin/match-rounds
// does.
func (s *site) startRound(c echo.Context) error {
	v, err := s.adminInternshipsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := s.app.StartMatchRound(c.Request().Context(), actor(c)); err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=round")
}
