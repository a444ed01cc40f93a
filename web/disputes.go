package web

import (
	"net/http"
	"net/url"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// disputesPage is the admin's list of disputes.
type disputesPage struct {
	Disputes []models.Dispute
	Next     string
}

// adminDisputes lists the disputes, pending first by filter.
func (s *site) adminDisputes(c echo.Context) error {
	q := c.Request().URL.Query()
	v := s.newView(c, "disputes.title")
	l, err := s.app.Disputes(c.Request().Context(), actor(c), app.DisputeFilter{Status: q.Get("status")},
		app.Page{Cursor: q.Get("cursor")})
	if err != nil {
		return s.failWith(c, err)
	}
	p := disputesPage{Disputes: l.Items}
	if l.NextCursor != "" {
		p.Next = "/admin/disputes?" + url.Values{"status": {q.Get("status")}, "cursor": {l.NextCursor}}.Encode()
	}
	v.Data = p
	return s.render(c, http.StatusOK, "admin_disputes", v)
}

// adminDispute shows one dispute with both claims side by side and, while
// it is pending, the decision form.
func (s *site) adminDispute(c echo.Context) error {
	v := s.newView(c, "dispute.title")
	return s.renderDispute(c, v, http.StatusOK)
}

// renderDispute loads the dispute of the path into v and renders it with status.
func (s *site) renderDispute(c echo.Context, v view, status int) error {
	det, err := s.app.Dispute(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return s.failWith(c, err)
	}
	v.Data = det
	return s.render(c, status, "admin_dispute", v)
}

// decideDispute posts the dispute page's decision form.
func (s *site) decideDispute(c echo.Context) error {
	v := s.newView(c, "dispute.title")
	var in app.DecideDisputeInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = form
	if problems == nil {
		_, err = s.app.DecideDispute(c.Request().Context(), actor(c), c.Param("id"), in)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/admin/disputes/"+c.Param("id"))
		}
		p := app.ProblemOf(err)
		if len(p.Fields) == 0 && p.Status >= http.StatusInternalServerError {
			return s.failWith(c, err)
		}
		problems = p.Fields
		if len(problems) == 0 {
			v.Notice = v.Say(p.Msg)
			return s.renderDispute(c, v, p.Status)
		}
	}
	for f, m := range problems {
		v.Fields[f] = v.Say(m)
	}
	v.Notice = v.T("form.fix")
	return s.renderDispute(c, v, http.StatusUnprocessableEntity)
}

// fileDispute posts the onboarding page's dispute form: the applicant
// claims the student number another verified profile holds.
func (s *site) fileDispute(c echo.Context) error {
	var in app.DisputeInput
	return s.onboardingAction(c, &in, "statement", func(profileID string) error {
		_, err := s.app.FileDispute(c.Request().Context(), actor(c), profileID, in)
		return err
	}, func(v view) error {
		v.Notice = v.T("dispute.filed")
		page := v.Data.(onboardingPage)
		page.Disputable = false
		v.Data = page
		return s.render(c, http.StatusCreated, "onboarding", v)
	})
}
