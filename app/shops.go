package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ShopInput links a shop: the body of POST /shops and the shops page's form.
type ShopInput struct {
	PlatformShopID string `json:"platform_shop_id" validate:"required,notblank,max=64,printascii"`
	ShopURL        string `json:"shop_url" validate:"required,max=2048,http_url"`
	ShopName       string `json:"shop_name" validate:"required,notblank,max=100,nocontrol"`
	Category       string `json:"category" validate:"required,notblank,max=50,nocontrol"`
}

// ConfirmShopInput is an admin's decision on a shop: the body of POST
// /admin/shops/{id}/confirm and the admin shops page's row form.
type ConfirmShopInput struct {
	Verified *bool `json:"verified" validate:"required"`
	// Reason is shown to the student; required when rejecting.
	Reason string `json:"reason" validate:"max=500,nocontrol"`
}

// SubmitShop links a shop to the verified applicant, pending, with a fresh
// verification code, and starts its check after SHOP_CHECK_DELAY, which
// gives the student time to place the code. A shop the student already has
// pending or verified is a conflict.
func (a *App) SubmitShop(ctx context.Context, actor Actor, in ShopInput) (models.Shop, error) {
	if _, err := a.requireVerified(ctx, actor); err != nil {
		return models.Shop{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Shop{}, err
	}
	key, err := workflows.NormalizeShopURL(in.ShopURL)
	if err != nil {
		return models.Shop{}, workflows.Invalid("shop_url", msg.ShopURLInvalid)
	}
	now := a.now()
	shop := models.Shop{
		ID: models.NewID(), AccountID: actor.ID, PlatformShopID: strings.TrimSpace(in.PlatformShopID),
		ShopURL: strings.TrimSpace(in.ShopURL), URLKey: key, ShopName: strings.TrimSpace(in.ShopName),
		Category: strings.TrimSpace(in.Category), VerificationCode: workflows.NewVerificationCode(),
		Status: workflows.ShopPending, Reasons: []models.Reason{}, Revision: 1, CreatedAt: now, UpdatedAt: now,
	}
	err = a.engine.Do(ctx, func(w *engine.Work) error {
		if err := a.refuseManyWaiting(w, actor.ID); err != nil {
			return err
		}
		if err := refuseLinkedPage(w, shop); err != nil {
			return err
		}
		err := w.DB().Create(&shop).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.ShopExists, msg.Text("platform_shop_id", shop.PlatformShopID))
		}
		if err != nil {
			return fmt.Errorf("create shop: %w", err)
		}
		return startShopCheck(w, shop, "", actor, a.shopCheckAt())
	})
	return shop, err
}

// refuseManyWaiting refuses another shop check to an account that already
// has ShopPendingPerAccount shops waiting for one (422, shop_url): one
// account cannot queue a crowd of slow pages. Two requests at once may
// both pass; the cap is a bound on a queue, not an invariant.
func (a *App) refuseManyWaiting(w *engine.Work, accountID string) error {
	var n int64
	err := w.DB().Model(&models.Shop{}).Where("account_id = ? AND status = ?", accountID, workflows.ShopPending).Count(&n).Error
	if err != nil {
		return fmt.Errorf("count the shops of %s waiting for a check: %w", accountID, err)
	}
	if n >= int64(a.cfg.ShopPendingPerAccount) {
		return workflows.Invalid("shop_url", msg.ShopChecksWaiting, msg.Int("max", int64(a.cfg.ShopPendingPerAccount)))
	}
	return nil
}

// refuseLinkedPage refuses a shop whose page the student has already linked
// as another shop that is pending or verified: one page proves one shop.
// (Two such requests at once both pass; the second to be checked is then
// rejected by the check's claim rule.)
func refuseLinkedPage(w *engine.Work, shop models.Shop) error {
	var other []string
	err := w.DB().Model(&models.Shop{}).Where("account_id = ? AND url_key = ? AND status IN ?",
		shop.AccountID, shop.URLKey, []string{workflows.ShopPending, workflows.ShopVerified}).
		Limit(1).Pluck("platform_shop_id", &other).Error
	if err != nil {
		return fmt.Errorf("look for shops of %s with the same page: %w", shop.AccountID, err)
	}
	if len(other) > 0 {
		return workflows.Refuse(workflows.ErrConflict, msg.ShopURLLinked, msg.Text("platform_shop_id", other[0]))
	}
	return nil
}

// RecheckShop sends the applicant's rejected shop back to pending and
// checks it again at once (same code).
func (a *App) RecheckShop(ctx context.Context, actor Actor, shopID string) (models.Shop, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return models.Shop{}, err
	}
	if err := checkID(shopID); err != nil {
		return models.Shop{}, err
	}
	var shop models.Shop
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		var err error
		if shop, err = lockShop(w.DB(), shopID, actor.ID); err != nil {
			return err
		}
		if !workflows.ShopMachine.Allows(shop.Status, workflows.ShopPending) {
			return workflows.Refuse(workflows.ErrConflict, msg.ShopNotRecheckable, msg.Text("status", shop.Status))
		}
		if err := a.refuseManyWaiting(w, actor.ID); err != nil {
			return err
		}
		from := shop.Status
		shop.Status, shop.Reasons, shop.Revision, shop.UpdatedAt = workflows.ShopPending, []models.Reason{}, shop.Revision+1, a.now()
		err = w.DB().Save(&shop).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.ShopExistsOtherID)
		}
		if err != nil {
			return fmt.Errorf("save shop %s: %w", shop.ID, err)
		}
		return startShopCheck(w, shop, from, actor, time.Time{})
	})
	return shop, err
}

// startShopCheck records the shop's move to pending and enqueues its check
// no earlier than at (zero: now).
func startShopCheck(w *engine.Work, shop models.Shop, from string, actor Actor, at time.Time) error {
	err := w.Record(workflows.ShopMachine, engine.Transition{
		EntityID: shop.ID, From: from, To: workflows.ShopPending, Actor: engine.ActorAccount(actor.ID),
	})
	if err != nil {
		return err
	}
	// No fairness key: shop checks are bounded by their own queue's
	// concurrency and the per-account cap instead, and a page retried with
	// back-off for an hour would hold its college's fair share meanwhile.
	_, err = w.Enqueue(workflows.NewShopVerifyTask(shop.ID, shop.Revision, at))
	return err
}

// ConfirmShop is an admin's decision on a pending or rejected shop, in
// either verification mode: verified, or rejected with the reason the
// student reads. The owner is notified. A shop another student has
// verified cannot be verified again (conflict).
func (a *App) ConfirmShop(ctx context.Context, actor Actor, shopID string, in ConfirmShopInput) (models.Shop, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.Shop{}, err
	}
	if err := checkID(shopID); err != nil {
		return models.Shop{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Shop{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	if !*in.Verified && reason == "" {
		return models.Shop{}, workflows.Invalid("reason", msg.ShopRejectReasonRequired)
	}
	var shop models.Shop
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		var err error
		if shop, err = lockShop(w.DB(), shopID, ""); err != nil {
			return err
		}
		to, reasons := workflows.ShopRejected, []models.Reason{workflows.NewReason("", msg.ShopRejectedByAdmin, msg.Text("reason", reason))}
		if *in.Verified {
			to, reasons = workflows.ShopVerified, []models.Reason{}
		}
		// A verified shop is final for an admin's decision; only a revoked
		// owner verification (an upheld dispute) rejects it.
		if !workflows.ShopMachine.Allows(shop.Status, to) || shop.Status == workflows.ShopVerified {
			return workflows.Refuse(workflows.ErrConflict, msg.ShopCannotBecome, msg.Text("from", shop.Status), msg.Text("to", to))
		}
		before := shop
		from, now := shop.Status, a.now()
		shop.Status, shop.Reasons, shop.UpdatedAt = to, reasons, now
		if *in.Verified {
			shop.VerifiedAt = &now
		}
		err = w.DB().Save(&shop).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.ShopClaimed)
		}
		if err != nil {
			return fmt.Errorf("save shop %s: %w", shop.ID, err)
		}
		action := AuditRejectShop
		if *in.Verified {
			action = AuditConfirmShop
		}
		if err := a.audit(w, actor, action, "shop", shop.ID, before, shop); err != nil {
			return err
		}
		return w.Advance(workflows.ShopMachine, shop.AccountID, engine.Transition{
			EntityID: shop.ID, From: from, To: to, Actor: engine.ActorAccount(actor.ID), Reasons: reasons,
		})
	})
	return shop, err
}

// lockShop locks the shop shopID; with ownerID set, only that owner's shop
// is found.
func lockShop(tx *gorm.DB, shopID, ownerID string) (models.Shop, error) {
	q := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", shopID)
	if ownerID != "" {
		q = q.Where("account_id = ?", ownerID)
	}
	var shop models.Shop
	err := q.Take(&shop).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Shop{}, workflows.ErrNotFound
	}
	if err != nil {
		return models.Shop{}, fmt.Errorf("lock shop %s: %w", shopID, err)
	}
	return shop, nil
}

// shopCheckAt is when the first check of a shop linked now runs: after
// ShopCheckDelay, or at once (zero) without one.
func (a *App) shopCheckAt() time.Time {
	if a.cfg.ShopCheckDelay <= 0 {
		return time.Time{}
	}
	return a.now().Add(a.cfg.ShopCheckDelay)
}

// Shop is the shop id for those who may read it: its owner, an admin, or a
// reviewer assigned to an application that names it.
func (a *App) Shop(ctx context.Context, actor Actor, id string) (models.Shop, error) {
	return readable(ctx, a, actor, id, func(s models.Shop) string { return s.AccountID },
		func(db *gorm.DB, shop models.Shop, reviewerID string) (assigned bool, err error) {
			err = db.Raw(`SELECT EXISTS (SELECT 1 FROM fund_applications a JOIN fund_reviews r ON r.application_id = a.id
				WHERE a.shop_id = ? AND r.reviewer_id = ? AND r.status NOT IN ('expired', 'conflict'))`, shop.ID, reviewerID).Row().Scan(&assigned)
			return assigned, err
		})
}

// ShopEvents is the timeline of the shop id, for those who may read it.
func (a *App) ShopEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	shop, err := a.Shop(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, shop.ID, p)
}

// OwnShops are the applicant's newest shops, at most limit.
func (a *App) OwnShops(ctx context.Context, actor Actor, limit int) ([]models.Shop, error) {
	return ownNewest[models.Shop](ctx, a, actor, limit)
}

// ownNewest reads the actor's newest rows of M (by their account_id), at
// most limit.
func ownNewest[M any](ctx context.Context, a *App, actor Actor, limit int) ([]M, error) {
	var rows []M
	err := a.db.WithContext(ctx).Where("account_id = ?", actor.ID).Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load %T of %s: %w", rows, actor.ID, err)
	}
	return rows, nil
}
