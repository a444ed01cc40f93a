package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Shops verifies that a shop is its student's (shop:verify).
type Shops struct {
	// Mode is workflows.ShopModeFetch (look for the code in the shop's
	// page) or workflows.ShopModeManual (an admin confirms).
	Mode string
	// Fetcher fetches shop pages in fetch mode.
	Fetcher *shopcheck.Fetcher
	// Now is the clock.
	Now func() time.Time
}

func newShops(d Deps) *Shops {
	h := &Shops{Mode: d.ShopVerification, Fetcher: d.ShopFetcher, Now: d.Now}
	if h.Mode == "" {
		h.Mode = workflows.ShopModeFetch
	}
	if h.Fetcher == nil {
		h.Fetcher = shopcheck.New(shopcheck.Config{})
	}
	return h
}

// Verify is the shop:verify step: the owner must be a verified student and
// the shop unclaimed by any other student; then, in fetch mode, the code
// must be on the shop's page. An unreachable page is returned as an error
// (retried with backoff; GiveUp rejects the shop after the last retry). In
// manual mode a shop that passes the first checks waits for an admin.
func (h *Shops) Verify(ctx context.Context, tx *gorm.DB, run Run) error {
	shop, due, err := lockDueShop(tx, run)
	if err != nil || !due {
		return err
	}
	var check workflows.ShopCheck
	err = tx.Raw(`SELECT
		EXISTS (SELECT 1 FROM student_profiles WHERE account_id = @owner AND status = 'verified') AS owner_verified,
		EXISTS (SELECT 1 FROM shops WHERE platform_shop_id = @pid AND status = 'verified' AND account_id <> @owner) AS id_claimed,
		EXISTS (SELECT 1 FROM shops WHERE url_key = @key AND status = 'verified' AND account_id <> @owner) AS url_claimed`,
		map[string]any{"owner": shop.AccountID, "pid": shop.PlatformShopID, "key": shop.URLKey}).Scan(&check).Error
	if err != nil {
		return fmt.Errorf("check shop %s: %w", shop.ID, err)
	}
	if reasons := workflows.ShopEligibility(check); len(reasons) > 0 {
		return h.decide(ctx, tx, run, shop, workflows.ShopRejected, reasons)
	}
	if h.Mode == workflows.ShopModeManual {
		waiting := []models.Reason{{Code: "awaiting_admin", Message: "an admin will confirm that the shop is yours"}}
		err := tx.Table("shops").Where("id = ?", shop.ID).Updates(map[string]any{"reasons": reasonsJSON(waiting), "updated_at": h.Now().UTC()}).Error
		if err != nil {
			return fmt.Errorf("mark shop %s as waiting for an admin: %w", shop.ID, err)
		}
		return nil
	}
	found, err := h.Fetcher.Check(ctx, shop.ShopURL, shop.VerificationCode)
	var problem *shopcheck.Problem
	switch {
	case errors.As(err, &problem):
		return h.decide(ctx, tx, run, shop, workflows.ShopRejected, []models.Reason{workflows.PageProblemReason(shop.ID, problem.Message)})
	case err != nil:
		return fmt.Errorf("check the page of shop %s: %w", shop.ID, err)
	case !found:
		return h.decide(ctx, tx, run, shop, workflows.ShopRejected,
			[]models.Reason{workflows.CodeMissingReason(shop.ID, shop.VerificationCode, shop.ShopURL)})
	}
	// A concurrent verification of the same shop by another student loses on
	// the partial unique indexes; its retry then finds the claim and rejects.
	return h.decide(ctx, tx, run, shop, workflows.ShopVerified, nil)
}

// GiveUp is shop:verify's failure hook: a page still unreachable after the
// last retry rejects the shop with the reason. Other failures (ours, not the
// page's) leave it pending for ops to re-run.
func (h *Shops) GiveUp(ctx context.Context, tx *gorm.DB, run Run, cause error) error {
	if !errors.Is(cause, shopcheck.ErrUnreachable) {
		return nil
	}
	shop, due, err := lockDueShop(tx, run)
	if err != nil || !due {
		return err
	}
	problem := fmt.Sprintf("we could not reach your shop page after %d tries (%v)", run.Attempt+1, errors.Unwrap(cause))
	return h.decide(ctx, tx, run, shop, workflows.ShopRejected, []models.Reason{workflows.PageProblemReason(shop.ID, problem)})
}

// lockDueShop locks the run's shop and reports whether its check is still
// due (pending, and the revision the task was written for).
func lockDueShop(tx *gorm.DB, run Run) (models.Shop, bool, error) {
	var p workflows.ShopVerifyPayload
	if err := workflows.DecodePayload(run.Payload, &p); err != nil {
		return models.Shop{}, false, err
	}
	var shop models.Shop
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&shop, "id = ?", p.ShopID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Shop{}, false, workflows.Permanentf("shop %s does not exist", p.ShopID)
	}
	if err != nil {
		return models.Shop{}, false, fmt.Errorf("lock shop %s: %w", p.ShopID, err)
	}
	return shop, shop.Status == workflows.ShopPending && shop.Revision == p.Revision, nil
}

func (h *Shops) decide(ctx context.Context, tx *gorm.DB, run Run, shop models.Shop, state string, reasons []models.Reason) error {
	now := h.Now().UTC()
	updates := map[string]any{"status": state, "reasons": reasonsJSON(reasons), "updated_at": now}
	if state == workflows.ShopVerified {
		updates["verified_at"] = now
	}
	if err := tx.Table("shops").Where("id = ?", shop.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("update shop %s: %w", shop.ID, err)
	}
	return advance(ctx, tx, workflows.ShopMachine, shop.AccountID,
		run.Transition(shop.ID, shop.Status, state, workflows.ReasonsText(reasons)))
}
