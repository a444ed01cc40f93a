package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"gorm.io/gorm"
)

// Notify delivers notifications: in-app always, e-mail when a Mailer is set.
type Notify struct {
	// Mailer sends e-mail; nil means in-app only.
	Mailer *Mailer
}

// Send is the notify:send step. The notification's id is the task id and
// (event, account) is unique, so a task that runs twice notifies once.
func (h *Notify) Send(ctx context.Context, tx *gorm.DB, run Run) error {
	var p workflows.NotifySendPayload
	if err := workflows.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var ev models.WorkflowEvent
	err := tx.Take(&ev, "id = ?", p.EventID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflows.Permanentf("event %d does not exist", p.EventID)
	}
	if err != nil {
		return fmt.Errorf("load event %d: %w", p.EventID, err)
	}
	var acct models.Account
	if err := tx.Take(&acct, "id = ?", p.AccountID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.Permanentf("account %s does not exist", p.AccountID)
		}
		return fmt.Errorf("load account %s: %w", p.AccountID, err)
	}
	title, body := workflows.NotificationText(ev.EntityType, ev.ToState, ev.Reason)
	n := models.Notification{
		ID: run.TaskID, AccountID: acct.ID, EventID: ev.ID,
		EntityType: ev.EntityType, EntityID: ev.EntityID, Title: title, Body: body,
	}
	res := tx.Exec(`INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, title, body)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		n.ID, n.AccountID, n.EventID, n.EntityType, n.EntityID, n.Title, n.Body)
	if res.Error != nil {
		return fmt.Errorf("insert notification: %w", res.Error)
	}
	if res.RowsAffected == 0 || h.Mailer == nil {
		return nil
	}
	// The e-mail goes out before the transaction commits; if the commit then
	// fails, the retry sends it again with the same Message-ID, which
	// receiving servers use to drop the duplicate.
	if err := h.Mailer.Send(ctx, Mail{To: acct.Email, Subject: title, Body: body, MessageID: n.ID}); err != nil {
		return fmt.Errorf("e-mail notification %s: %w", n.ID, err)
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = ? WHERE id = ?`, time.Now().UTC(), n.ID).Error
}
