package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ShopForm is a student's shop submission, already checked for shape.
type ShopForm struct {
	PlatformShopID string
	ShopURL        string
	ShopName       string
	Category       string
}

// SubmitShop links a shop to accountID, pending, with a fresh verification
// code, and enqueues its check no earlier than checkAt (zero: now), which
// gives the student time to place the code. A shop the student already has
// pending or verified is a conflict.
func SubmitShop(ctx context.Context, db *gorm.DB, accountID string, f ShopForm, checkAt time.Time) (Submitted[models.Shop], error) {
	key, err := NormalizeShopURL(f.ShopURL)
	if err != nil {
		return Submitted[models.Shop]{}, Invalid("shop_url", msg.ShopURLInvalid)
	}
	var out Submitted[models.Shop]
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		shop := models.Shop{
			ID: models.NewID(), AccountID: accountID, PlatformShopID: strings.TrimSpace(f.PlatformShopID),
			ShopURL: strings.TrimSpace(f.ShopURL), URLKey: key, ShopName: strings.TrimSpace(f.ShopName),
			Category: strings.TrimSpace(f.Category), VerificationCode: NewVerificationCode(),
			Status: ShopPending, Reasons: []models.Reason{}, Revision: 1, CreatedAt: now, UpdatedAt: now,
		}
		err := tx.Create(&shop).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.ShopExists, msg.Text("platform_shop_id", shop.PlatformShopID))
		}
		if err != nil {
			return fmt.Errorf("create shop: %w", err)
		}
		id, err := startShopCheck(ctx, tx, shop, "", ActorAccount(accountID), checkAt)
		if err != nil {
			return err
		}
		out = Submitted[models.Shop]{Entity: shop, OutboxIDs: []string{id}}
		return nil
	})
	return out, err
}

// RecheckShop sends accountID's rejected shop back to pending and enqueues a
// new check (same code), no earlier than checkAt.
func RecheckShop(ctx context.Context, db *gorm.DB, accountID, shopID string, checkAt time.Time) (Submitted[models.Shop], error) {
	var out Submitted[models.Shop]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := lockShop(tx, shopID, accountID)
		if err != nil {
			return err
		}
		if !ShopMachine.Allows(shop.Status, ShopPending) {
			return Refuse(ErrConflict, msg.ShopNotRecheckable, msg.Text("status", shop.Status))
		}
		from := shop.Status
		shop.Status, shop.Reasons, shop.Revision, shop.UpdatedAt = ShopPending, []models.Reason{}, shop.Revision+1, time.Now().UTC()
		err = tx.Save(&shop).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.ShopExistsOtherID)
		}
		if err != nil {
			return fmt.Errorf("save shop %s: %w", shop.ID, err)
		}
		id, err := startShopCheck(ctx, tx, shop, from, ActorAccount(accountID), checkAt)
		if err != nil {
			return err
		}
		out = Submitted[models.Shop]{Entity: shop, OutboxIDs: []string{id}}
		return nil
	})
	return out, err
}

func startShopCheck(ctx context.Context, tx *gorm.DB, shop models.Shop, from, actor string, at time.Time) (string, error) {
	if err := Record(ctx, tx, ShopMachine, Transition{EntityID: shop.ID, From: from, To: ShopPending, Actor: actor}); err != nil {
		return "", err
	}
	return Enqueue(ctx, tx, NewShopVerifyTask(shop.ID, shop.Revision, at))
}

// ConfirmShop is an admin's decision on a pending or rejected shop, in any
// verification mode: verified, or rejected with reason. The owner is notified.
// A shop another student has verified cannot be verified again (conflict).
func ConfirmShop(ctx context.Context, db *gorm.DB, adminID, shopID string, verified bool, reason string) (Submitted[models.Shop], error) {
	var out Submitted[models.Shop]
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := lockShop(tx, shopID, "")
		if err != nil {
			return err
		}
		to, reasons := ShopRejected, []models.Reason{NewReason("", msg.ShopRejectedByAdmin, msg.Text("reason", strings.TrimSpace(reason)))}
		if verified {
			to, reasons = ShopVerified, []models.Reason{}
		}
		if !ShopMachine.Allows(shop.Status, to) {
			return Refuse(ErrConflict, msg.ShopCannotBecome, msg.Text("from", shop.Status), msg.Text("to", to))
		}
		from, now := shop.Status, time.Now().UTC()
		shop.Status, shop.Reasons, shop.UpdatedAt = to, reasons, now
		if verified {
			shop.VerifiedAt = &now
		}
		err = tx.Save(&shop).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.ShopClaimed)
		}
		if err != nil {
			return fmt.Errorf("save shop %s: %w", shop.ID, err)
		}
		id, err := Advance(ctx, tx, ShopMachine, shop.AccountID, Transition{
			EntityID: shop.ID, From: from, To: to, Actor: ActorAccount(adminID), Reason: ReasonsText(reasons),
		})
		if err != nil {
			return err
		}
		out.Entity = shop
		if id != "" {
			out.OutboxIDs = []string{id}
		}
		return nil
	})
	return out, err
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
		return models.Shop{}, ErrNotFound
	}
	if err != nil {
		return models.Shop{}, fmt.Errorf("lock shop %s: %w", shopID, err)
	}
	return shop, nil
}
