package web

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/labstack/echo/v4"
)

// amountField is the fund form's amount: typed in yuan, sent in fen.
var amountField = money{yuan: "amount", fen: "amount_fen"}

func (s *site) fundView(c echo.Context) (view, error) {
	return loaded(s, c, "fund.title", s.app.FundChoices)
}

func (s *site) fundForm(c echo.Context) error {
	v, err := s.fundView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "fund", v)
}

// submitFund files an application as POST /api/v1/fund-applications does,
// the amount typed in yuan and sent in fen; the dashboard then tracks it.
func (s *site) submitFund(c echo.Context) error {
	v, err := s.fundView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	var in app.FundInput
	if problems := decodeMoney(form, &in, amountField); problems != nil {
		return s.formProblem(c, "fund", v, problems)
	}
	a, err := s.app.SubmitFund(c.Request().Context(), actor(c), in)
	if err != nil {
		return s.submittedMoney(c, "fund", v, err, form, amountField)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-fund-"+a.ID)
}

// withdrawFund withdraws the applicant's application, as POST
// /api/v1/fund-applications/{id}/withdraw does.
func (s *site) withdrawFund(c echo.Context) error {
	id := c.Param("id")
	if _, err := s.app.WithdrawFund(c.Request().Context(), actor(c), id); err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-fund-"+id)
}
