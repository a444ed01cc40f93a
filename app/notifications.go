package app

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// UnreadNotifications counts the actor's unread notifications (the
// header's badge).
func (a *App) UnreadNotifications(ctx context.Context, actor Actor) (int64, error) {
	var n int64
	err := a.db.WithContext(ctx).Model(&models.Notification{}).
		Where("account_id = ? AND read_at IS NULL", actor.ID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count unread notifications of %s: %w", actor.ID, err)
	}
	return n, nil
}

// ReadNotification marks one of the actor's notifications read; marking
// it again changes nothing. Another account's notification, or an id that
// is not one, is workflows.ErrNotFound.
func (a *App) ReadNotification(ctx context.Context, actor Actor, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	res := a.db.WithContext(ctx).Exec(`UPDATE notifications SET read_at = coalesce(read_at, ?)
		WHERE id = ? AND account_id = ?`, a.now(), id, actor.ID)
	if res.Error != nil {
		return fmt.Errorf("mark notification %s read: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return workflows.ErrNotFound
	}
	return nil
}

// ReadAllNotifications marks every unread notification of the actor read
// and says how many it marked.
func (a *App) ReadAllNotifications(ctx context.Context, actor Actor) (int64, error) {
	res := a.db.WithContext(ctx).Exec(`UPDATE notifications SET read_at = ?
		WHERE account_id = ? AND read_at IS NULL`, a.now(), actor.ID)
	if res.Error != nil {
		return 0, fmt.Errorf("mark the notifications of %s read: %w", actor.ID, res.Error)
	}
	return res.RowsAffected, nil
}

// LanguageInput is the language a person uses ("zh" or "en"); their
// e-mails speak it.
type LanguageInput struct {
	Lang string `json:"lang" validate:"required,oneof=zh en"`
}

// SetLanguage remembers the language the actor uses (the pages' language
// switch calls it).
func (a *App) SetLanguage(ctx context.Context, actor Actor, in LanguageInput) error {
	if err := a.validate(in); err != nil {
		return err
	}
	err := a.db.WithContext(ctx).Model(&models.Account{}).Where("id = ?", actor.ID).Update("lang", in.Lang).Error
	if err != nil {
		return fmt.Errorf("set the language of %s: %w", actor.ID, err)
	}
	return nil
}
