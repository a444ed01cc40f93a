package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/workflows"
	"gorm.io/gorm"
)

// Notify delivers notifications by e-mail. The in-app notification is
// written with the state change (workflows.Advance); notify:send runs only
// when e-mail is on.
type Notify struct {
	// Mailer sends e-mail; nil drops the task (e-mail was turned off).
	Mailer *Mailer
}

// Send is the notify:send step: it e-mails the notification of one event to
// one account, once. The notification row is locked and marked emailed in
// the same transaction.
func (h *Notify) Send(ctx context.Context, tx *gorm.DB, run Run) error {
	var p workflows.NotifySendPayload
	if err := workflows.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var n struct {
		ID, Title, Body, Email string
		EmailedAt              *time.Time
	}
	res := tx.Raw(`SELECT n.id, n.title, n.body, n.emailed_at, a.email
		FROM notifications n JOIN accounts a ON a.id = n.account_id
		WHERE n.event_id = ? AND n.account_id = ? FOR UPDATE OF n`, p.EventID, p.AccountID).Scan(&n)
	if res.Error != nil {
		return fmt.Errorf("lock notification of event %d: %w", p.EventID, res.Error)
	}
	if res.RowsAffected == 0 {
		return workflows.Permanentf("no notification of event %d for account %s", p.EventID, p.AccountID)
	}
	if n.EmailedAt != nil || h.Mailer == nil {
		return nil
	}
	// The e-mail goes out before the transaction commits; if the commit then
	// fails, the retry sends it again with the same Message-ID, which
	// receiving servers use to drop the duplicate.
	if err := h.Mailer.Send(ctx, Mail{To: n.Email, Subject: n.Title, Body: n.Body, MessageID: n.ID}); err != nil {
		return fmt.Errorf("e-mail notification %s: %w", n.ID, err)
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE id = ?`, n.ID).Error
}
