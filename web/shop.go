package web

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
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
	s.liveVersion(c) // before the shops
	shops, err := s.app.OwnShops(c.Request().Context(), actor(c), listLimit)
	if err != nil {
		return view{}, err
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
	v, err := s.shopsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var in app.ShopInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "shop", v, problems)
	}
	shop, err := s.app.SubmitShop(c.Request().Context(), actor(c), in)
	if err != nil {
		return s.submitted(c, "shop", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/shops#shop-"+shop.ID)
}

// recheckShop checks a rejected shop again, as POST
// /api/v1/shops/{id}/recheck does.
func (s *site) recheckShop(c echo.Context) error {
	shop, err := s.app.RecheckShop(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/shops#shop-"+shop.ID)
}
