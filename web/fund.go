package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// amountField is the fund form's amount: typed in yuan, sent in fen.
var amountField = money{yuan: "amount", fen: "amount_fen"}

// fundPage is what the fund application form offers: the programmes open
// now and the applicant's verified shops.
type fundPage struct {
	Programs []models.FundProgram
	Shops    []models.Shop
}

func (s *site) fundView(c echo.Context) (view, error) {
	acct, _ := account(c)
	db := s.db.WithContext(c.Request().Context())
	var d fundPage
	now := time.Now().UTC()
	err := db.Where("opens_at <= ? AND closes_at > ?", now, now).Order("closes_at, id").Limit(listLimit).Find(&d.Programs).Error
	if err != nil {
		return view{}, fmt.Errorf("load open programmes: %w", err)
	}
	err = db.Where("account_id = ? AND status = ?", acct.ID, workflows.ShopVerified).Order("id DESC").Limit(listLimit).Find(&d.Shops).Error
	if err != nil {
		return view{}, fmt.Errorf("load verified shops of %s: %w", acct.ID, err)
	}
	v := s.newView(c, "fund.title")
	v.Data = d
	return v, nil
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
	acct, _ := account(c)
	ctx := c.Request().Context()
	v, err := s.fundView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := s.kit.RequireVerified(ctx, acct.ID); err != nil {
		return s.submitted(c, "fund", v, err)
	}
	var req api.FundApplicationRequest
	form, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	problems, err := s.checkMoney(form, &req, amountField)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "fund", v, problems)
	}
	ctx, flush := s.kit.Direct(ctx)
	sub, err := workflows.SubmitFund(ctx, s.db, acct.ID, workflows.FundForm{
		ProgramID: req.ProgramID, ShopID: req.ShopID, AmountFen: req.AmountFen, BusinessPlan: req.BusinessPlan,
	})
	if err != nil {
		return s.submitted(c, "fund", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-fund-"+sub.Entity.ID)
}

// withdrawFund withdraws the applicant's application, as POST
// /api/v1/fund-applications/{id}/withdraw does.
func (s *site) withdrawFund(c echo.Context) error {
	acct, _ := account(c)
	id, err := pathID(c)
	if err != nil {
		return s.failWith(c, err)
	}
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.WithdrawFund(ctx, s.db, acct.ID, id)
	if err != nil {
		return s.failWith(c, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-fund-"+id)
}
