package workers

import (
	"context"
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PrepareShopCheck is shop:verify's first phase: with no transaction open,
// it reads the shop and, in fetch mode, fetches its page, so that a slow page
// holds neither a connection nor the shop's row lock. The step it returns
// (verifyShop) locks the shop, checks again that the owner is a verified
// student and the shop unclaimed by any other student, and decides with the
// page it was given. An unreachable page is returned as an error (retried
// with backoff; ShopCheckFailed rejects the shop after the last retry). In
// manual mode a shop that passes the checks waits for an admin.
func (h *Handlers) PrepareShopCheck(ctx context.Context, e *engine.Engine, run engine.Run) engine.Step {
	page := h.lookAhead(ctx, e.DB, run)
	return func(ctx context.Context, w *engine.Work, run engine.Run) error { return h.verifyShop(w, run, page) }
}

// shopPage is what the look-ahead found on a shop's page, for the revision
// (and so the address and code) it fetched.
type shopPage struct {
	revision  int
	fetched   bool  // false: no fetch was due, or reading the shop failed (err)
	found     bool  // the code is on the page
	err       error // a *shopcheck.Problem, an unreachable page, or a failed read
	url, code string
}

// lookAhead fetches the page of the run's shop when a fetch is due: the shop
// is pending at the task's revision, eligible, and checked in fetch mode.
// It holds no lock; verifyShop checks again under the lock.
func (h *Handlers) lookAhead(ctx context.Context, db *gorm.DB, run engine.Run) shopPage {
	if h.ShopMode != workflows.ShopModeFetch {
		return shopPage{}
	}
	db = db.WithContext(ctx)
	shop, due, err := dueShop(db, run, false)
	if err != nil || !due {
		return shopPage{err: err}
	}
	if reasons, err := shopEligibility(db, shop); err != nil || len(reasons) > 0 {
		return shopPage{err: err} // verify rejects it under the lock
	}
	found, err := h.Fetcher.Check(ctx, shop.ShopURL, shop.VerificationCode)
	return shopPage{revision: shop.Revision, fetched: true, found: found, err: err, url: shop.ShopURL, code: shop.VerificationCode}
}

// verify is the shop:verify step, deciding with the look-ahead's page.
func (h *Handlers) verifyShop(w *engine.Work, run engine.Run, page shopPage) error {
	tx := w.DB()
	shop, due, err := dueShop(tx, run, true)
	if err != nil || !due {
		return err
	}
	reasons, err := shopEligibility(tx, shop)
	if err != nil {
		return err
	}
	if len(reasons) > 0 {
		return h.decideShop(w, run, shop, workflows.ShopRejected, reasons)
	}
	if h.ShopMode == workflows.ShopModeManual {
		waiting := []models.Reason{workflows.NewReason("", msg.ShopAwaitingAdmin)}
		err := tx.Table("shops").Where("id = ?", shop.ID).Updates(map[string]any{"reasons": reasonsJSON(waiting), "updated_at": h.Now().UTC()}).Error
		if err != nil {
			return fmt.Errorf("mark shop %s as waiting for an admin: %w", shop.ID, err)
		}
		return nil
	}
	if !page.fetched || page.revision != shop.Revision || page.url != shop.ShopURL || page.code != shop.VerificationCode {
		if page.err != nil {
			return fmt.Errorf("look ahead at shop %s: %w", shop.ID, page.err)
		}
		// The shop became eligible between the look-ahead and the lock
		// (its owner was verified meanwhile): a retry fetches its page.
		return fmt.Errorf("shop %s: its page was not fetched for revision %d", shop.ID, shop.Revision)
	}
	var problem *shopcheck.Problem
	switch {
	case errors.As(page.err, &problem):
		return h.decideShop(w, run, shop, workflows.ShopRejected, []models.Reason{workflows.PageProblemReason(problem.Msg)})
	case page.err != nil:
		return fmt.Errorf("check the page of shop %s: %w", shop.ID, page.err)
	case !page.found:
		return h.decideShop(w, run, shop, workflows.ShopRejected,
			[]models.Reason{workflows.CodeMissingReason(shop.VerificationCode, shop.ShopURL)})
	}
	// A concurrent verification of the same shop by another student loses on
	// the partial unique indexes; its retry then finds the claim and rejects.
	return h.decideShop(w, run, shop, workflows.ShopVerified, nil)
}

// shopEligibility reads what ShopEligibility needs: whether the owner is a
// verified student, whether another student holds the shop's id and whether
// another verified shop (the owner's own too) holds its page.
func shopEligibility(db *gorm.DB, shop models.Shop) ([]models.Reason, error) {
	var check workflows.ShopCheck
	err := db.Raw(`SELECT
		EXISTS (SELECT 1 FROM student_profiles WHERE account_id = @owner AND status = 'verified') AS owner_verified,
		EXISTS (SELECT 1 FROM shops WHERE platform_shop_id = @pid AND status = 'verified' AND account_id <> @owner) AS id_claimed,
		EXISTS (SELECT 1 FROM shops WHERE url_key = @key AND status = 'verified' AND id <> @shop) AS url_claimed`,
		map[string]any{"owner": shop.AccountID, "pid": shop.PlatformShopID, "key": shop.URLKey, "shop": shop.ID}).Scan(&check).Error
	if err != nil {
		return nil, fmt.Errorf("check shop %s: %w", shop.ID, err)
	}
	return workflows.ShopEligibility(check), nil
}

// ShopCheckFailed is shop:verify's failure hook: a page still unreachable after the
// last retry rejects the shop with the reason. Other failures (ours, not the
// page's) leave it pending for ops to re-run.
func (h *Handlers) ShopCheckFailed(ctx context.Context, w *engine.Work, run engine.Run, cause error) error {
	tx := w.DB()
	if !errors.Is(cause, shopcheck.ErrUnreachable) {
		return nil
	}
	shop, due, err := dueShop(tx, run, true)
	if err != nil || !due {
		return err
	}
	problem := msg.New(msg.ShopPageUnreachable, msg.Int("tries", int64(run.Attempt+1)))
	return h.decideShop(w, run, shop, workflows.ShopRejected, []models.Reason{workflows.PageProblemReason(problem)})
}

// dueShop reads the run's shop, locking it when lock is set, and reports
// whether its check is still due (pending, and the revision the task was
// written for).
func dueShop(db *gorm.DB, run engine.Run, lock bool) (models.Shop, bool, error) {
	var p workflows.ShopVerifyPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return models.Shop{}, false, err
	}
	if lock {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var shop models.Shop
	err := db.Take(&shop, "id = ?", p.ShopID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Shop{}, false, engine.Permanentf("shop %s does not exist", p.ShopID)
	}
	if err != nil {
		return models.Shop{}, false, fmt.Errorf("read shop %s: %w", p.ShopID, err)
	}
	return shop, shop.Status == workflows.ShopPending && shop.Revision == p.Revision, nil
}

// decideShop moves the shop to state with reasons, on its timeline too, and
// notifies its owner.
func (h *Handlers) decideShop(w *engine.Work, run engine.Run, shop models.Shop, state string, reasons []models.Reason) error {
	tx := w.DB()
	now := h.Now().UTC()
	updates := map[string]any{"status": state, "reasons": reasonsJSON(reasons), "updated_at": now}
	if state == workflows.ShopVerified {
		updates["verified_at"] = now
	}
	if err := tx.Table("shops").Where("id = ?", shop.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("update shop %s: %w", shop.ID, err)
	}
	return w.Advance(workflows.ShopMachine, shop.AccountID, run.Transition(shop.ID, shop.Status, state, reasons...))
}
