package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// ShopView is a shop as its owner, reviewers and admins see it.
type ShopView struct {
	ID             string `json:"id"`
	AccountID      string `json:"account_id"`
	PlatformShopID string `json:"platform_shop_id"`
	ShopURL        string `json:"shop_url"`
	ShopName       string `json:"shop_name"`
	Category       string `json:"category"`
	// VerificationCode goes in the shop's public description; only its
	// owner and admins see it.
	VerificationCode string       `json:"verification_code,omitempty"`
	Status           string       `json:"status"`
	Reasons          []ReasonView `json:"reasons"`
	Revision         int          `json:"revision"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
	VerifiedAt       *time.Time   `json:"verified_at"`
	EventsURL        string       `json:"events_url"`
}

func shopView(s models.Shop, viewer models.Account, pr i18n.Printer) ShopView {
	v := ShopView{
		ID: s.ID, AccountID: s.AccountID, PlatformShopID: s.PlatformShopID, ShopURL: s.ShopURL, ShopName: s.ShopName,
		Category: s.Category, Status: s.Status, Reasons: reasonViews(s.Reasons, pr), Revision: s.Revision,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), VerifiedAt: utc(s.VerifiedAt),
		EventsURL: "/api/v1/shops/" + s.ID + "/events",
	}
	if viewer.ID == s.AccountID || viewer.Role == models.RoleAdmin {
		v.VerificationCode = s.VerificationCode
	}
	return v
}

func (s *server) submitShop(c echo.Context) error {
	var in app.ShopInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	shop, err := s.app.SubmitShop(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, shopView(shop, current(c), printer(c)))
}

func (s *server) recheckShop(c echo.Context) error {
	shop, err := s.app.RecheckShop(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, shopView(shop, current(c), printer(c)))
}

func (s *server) confirmShop(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.ConfirmShopInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	shop, err := s.app.ConfirmShop(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shopView(shop, current(c), printer(c)))
}

func (s *server) getShop(c echo.Context) error {
	shop, err := s.app.Shop(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shopView(shop, current(c), printer(c)))
}
