package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// listLimit is how many of their own shops, applications or enrollments a
// page lists, newest first.
const listLimit = 20

// shopItem is one of the applicant's shops.
type shopItem struct {
	models.Shop
	// Recheck says the shop may be checked again (it was rejected).
	Recheck bool
}

func (s *site) shopsView(c echo.Context) (view, error) {
	acct, _ := account(c)
	var shops []models.Shop
	err := s.db.WithContext(c.Request().Context()).Where("account_id = ?", acct.ID).Order("id DESC").Limit(listLimit).Find(&shops).Error
	if err != nil {
		return view{}, fmt.Errorf("load shops of %s: %w", acct.ID, err)
	}
	items := make([]shopItem, len(shops))
	for i, sh := range shops {
		items[i] = shopItem{Shop: sh, Recheck: workflows.ShopMachine.Allows(sh.Status, workflows.ShopPending)}
	}
	v := s.newView(c, "shop.title")
	v.Data = items
	return v, nil
}

// shopsForm lists the applicant's shops with their codes and offers the
// form that links another.
func (s *site) shopsForm(c echo.Context) error {
	v, err := s.shopsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "shop", v)
}

// submitShop links a shop as POST /api/v1/shops does, then shows the shop
// list with the new shop's verification code.
func (s *site) submitShop(c echo.Context) error {
	acct, _ := account(c)
	ctx := c.Request().Context()
	v, err := s.shopsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := s.kit.RequireVerified(ctx, acct.ID); err != nil {
		return s.submitted(c, "shop", v, err)
	}
	var req api.ShopRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "shop", v, problems)
	}
	ctx, flush := s.kit.Direct(ctx)
	sub, err := workflows.SubmitShop(ctx, s.db, acct.ID, req.Form(), s.kit.ShopCheckAt())
	if err != nil {
		return s.submitted(c, "shop", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/shops#shop-"+sub.Entity.ID)
}

// recheckShop checks a rejected shop again, as POST
// /api/v1/shops/{id}/recheck does.
func (s *site) recheckShop(c echo.Context) error {
	acct, _ := account(c)
	id, err := pathID(c)
	if err != nil {
		return s.failWith(c, err)
	}
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.RecheckShop(ctx, s.db, acct.ID, id, time.Time{})
	if err != nil {
		return s.failWith(c, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/shops#shop-"+id)
}

// pathID is the page's :id, a UUID; anything else is not found, as in the
// API, so a malformed id cannot tell anything apart.
func pathID(c echo.Context) (string, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return "", fmt.Errorf("id %q: %w", c.Param("id"), workflows.ErrNotFound)
	}
	return id.String(), nil
}
