package workers

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// SendNotification is the notify:send step: it e-mails the notification of
// one event to one account, once, rendered from its code (an e-mail is an
// edge, like a page). The notification row is locked and marked emailed in
// the same transaction.
func (h *Handlers) SendNotification(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	var p engine.NotifySendPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var n struct {
		models.Notification
		Email   string
		Reasons []models.Reason `gorm:"serializer:json"`
	}
	res := tx.Raw(`SELECT n.*, a.email, e.reasons
		FROM notifications n JOIN accounts a ON a.id = n.account_id JOIN workflow_events e ON e.id = n.event_id
		WHERE n.event_id = ? AND n.account_id = ? FOR UPDATE OF n`, p.EventID, p.AccountID).Scan(&n)
	if res.Error != nil {
		return fmt.Errorf("lock notification of event %d: %w", p.EventID, res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Permanentf("no notification of event %d for account %s", p.EventID, p.AccountID)
	}
	if n.EmailedAt != nil || h.Mailer == nil {
		return nil
	}
	// The e-mail goes out before the transaction commits; if the commit then
	// fails, the retry sends it again with the same Message-ID, which
	// receiving servers use to drop the duplicate.
	subject, body := i18n.NewPrinter(i18n.EN, h.Zone).Notification(n.Notification, n.Reasons)
	if err := h.Mailer.Send(ctx, Mail{To: n.Email, Subject: subject, Body: body, MessageID: n.ID}); err != nil {
		return fmt.Errorf("e-mail notification %s: %w", n.ID, err)
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE id = ?`, n.ID).Error
}
