package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// ShopRequest is the body of POST /shops.
type ShopRequest struct {
	PlatformShopID string `json:"platform_shop_id" validate:"required,max=64,printascii"`
	ShopURL        string `json:"shop_url" validate:"required,max=2048,http_url"`
	ShopName       string `json:"shop_name" validate:"required,max=100,nocontrol"`
	Category       string `json:"category" validate:"required,max=50,nocontrol"`
}

// ConfirmShopRequest is the body of POST /admin/shops/{id}/confirm.
type ConfirmShopRequest struct {
	Verified *bool `json:"verified" validate:"required"`
	// Reason is shown to the student; required when rejecting.
	Reason string `json:"reason" validate:"max=500,nocontrol"`
}

func (r ShopRequest) form() workflows.ShopForm {
	return workflows.ShopForm{PlatformShopID: r.PlatformShopID, ShopURL: r.ShopURL, ShopName: r.ShopName, Category: r.Category}
}

// shopCheckAt is when the first check of a shop submitted now runs: after
// ShopCheckDelay, or at once (zero) without one.
func (s *server) shopCheckAt() time.Time {
	if s.cfg.ShopCheckDelay > 0 {
		return time.Now().Add(s.cfg.ShopCheckDelay)
	}
	return time.Time{}
}

// check applies the rule that ties the fields together: a rejection says why.
func (r ConfirmShopRequest) check() error {
	if !*r.Verified && r.Reason == "" {
		return fieldError("reason", msg.ShopRejectReasonRequired)
	}
	return nil
}

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

func shopView(s models.Shop, viewer models.Account, p i18n.Printer) ShopView {
	v := ShopView{
		ID: s.ID, AccountID: s.AccountID, PlatformShopID: s.PlatformShopID, ShopURL: s.ShopURL, ShopName: s.ShopName,
		Category: s.Category, Status: s.Status, Reasons: reasonViews(s.Reasons, p), Revision: s.Revision,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), VerifiedAt: utcPtr(s.VerifiedAt),
		EventsURL: "/api/v1/shops/" + s.ID + "/events",
	}
	if viewer.ID == s.AccountID || viewer.Role == models.RoleAdmin {
		v.VerificationCode = s.VerificationCode
	}
	return v
}

func (s *server) submitShop(c echo.Context) error {
	if _, err := s.requireVerified(c); err != nil {
		return err
	}
	var req ShopRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.SubmitShop(ctx, s.db, current(c).ID, req.form(), s.shopCheckAt())
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, shopView(sub.Entity, current(c), s.printer(c)))
}

func (s *server) recheckShop(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.RecheckShop(ctx, s.db, current(c).ID, id, time.Time{})
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, shopView(sub.Entity, current(c), s.printer(c)))
}

func (s *server) confirmShop(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ConfirmShopRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.ConfirmShop(ctx, s.db, current(c).ID, id, *req.Verified, req.Reason)
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusOK, shopView(sub.Entity, current(c), s.printer(c)))
}

func (s *server) getShop(c echo.Context) error {
	shop, err := s.readableShop(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shopView(shop, current(c), s.printer(c)))
}

func (s *server) shopEvents(c echo.Context) error {
	shop, err := s.readableShop(c)
	if err != nil {
		return err
	}
	return s.events(c, shop.ID)
}

// readableShop loads the :id shop if the caller may read it: its owner, an
// admin, or a reviewer assigned to an application that names it.
func (s *server) readableShop(c echo.Context) (models.Shop, error) {
	return readable(s, c, func(shop models.Shop) string { return shop.AccountID },
		func(db *gorm.DB, shop models.Shop, reviewerID string) (assigned bool, err error) {
			err = db.Raw(`SELECT EXISTS (SELECT 1 FROM fund_applications a JOIN fund_reviews r ON r.application_id = a.id
				WHERE a.shop_id = ? AND r.reviewer_id = ? AND r.status <> 'expired')`, shop.ID, reviewerID).Row().Scan(&assigned)
			return assigned, err
		})
}

// nonNil makes a nil slice an empty one, so that JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
