package workers

import (
	"context"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// SendNotification is the notify:send step: it e-mails the notification of
// one event to one account, once, rendered from its code (an e-mail is an
// edge, like a page) in the account's language and the TIME_ZONE, as plain
// text with an HTML alternative. The notification row is locked and marked emailed in
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
		Name    string
		Lang    string
		Reasons []models.Reason `gorm:"serializer:json"`
	}
	res := tx.Raw(`SELECT n.*, a.email, a.name, a.lang, e.reasons
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
	lang, _ := i18n.Parse(n.Lang) // "" (unknown): English
	mail, err := notificationMail(i18n.NewPrinter(lang, h.Zone), n.Notification, n.Reasons, n.Name,
		strings.TrimSuffix(h.PublicBaseURL, "/")+"/notifications")
	if err != nil {
		return engine.Permanent(err)
	}
	mail.To = n.Email
	if err := h.Mailer.Send(ctx, mail); err != nil {
		return fmt.Errorf("e-mail notification %s: %w", n.ID, err)
	}
	return tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE id = ?`, n.ID).Error
}
