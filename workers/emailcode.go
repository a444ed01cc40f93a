package workers

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// PrepareEmailCode loads the key codes are hashed with before the step's
// unit of work holds a connection, and returns the onboarding:email_code
// step (sendEmailCode). The key's first load in a process takes a pool
// connection of its own: loaded inside the step, a burst of code tasks on
// a fresh worker had every handler hold a connection while waiting for the
// one loading the key, which waited for a connection, and the worker
// stalled (found by the fairness benchmark once it mailed its codes).
func (h *Handlers) PrepareEmailCode(ctx context.Context, _ *engine.Engine, _ engine.Run) engine.Step {
	key, keyErr := h.CodeKey(ctx)
	return func(ctx context.Context, w *engine.Work, run engine.Run) error {
		return h.sendEmailCode(ctx, w, run, key, keyErr)
	}
}

// sendEmailCode is the onboarding:email_code step: it draws the code of one
// code row (crypto/rand), mails it to the row's college address in the
// applicant's language, and stores only its keyed hash, with the time it
// lapses, all while holding the row's lock. A row already mailed, used or
// burnt (a newer code, a resubmission) is left alone, so a task delivered
// twice mails once. When the commit fails after the mail went out, the
// retry draws and mails a new code: the first one never matched a stored
// hash, so it cannot be confirmed (docs/EMAIL_CODES.md).
func (h *Handlers) sendEmailCode(ctx context.Context, w *engine.Work, run engine.Run, key []byte, keyErr error) error {
	var p workflows.OnboardingEmailCodePayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	tx := w.DB()
	var row struct {
		models.EmailCode
		Name   string
		Lang   string
		Status string
	}
	res := tx.Raw(`SELECT c.*, p.full_name AS name, a.lang,
			CASE WHEN p.status = 'rejected' AND EXISTS (SELECT 1 FROM disputes d WHERE d.claimant_profile_id = p.id
				AND d.status = 'pending') THEN 'disputing' ELSE p.status END AS status
		FROM email_codes c JOIN student_profiles p ON p.id = c.profile_id JOIN accounts a ON a.id = c.account_id
		WHERE c.id = ? FOR UPDATE OF c`, p.CodeID).Scan(&row)
	if res.Error != nil {
		return fmt.Errorf("lock e-mail code %s: %w", p.CodeID, res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Permanentf("e-mail code %s does not exist", p.CodeID)
	}
	// A profile awaiting its code, or a claimant proving the address of a
	// pending dispute ("disputing"), wants the mail.
	if row.SentAt != nil || row.UsedAt != nil || row.BurntAt != nil ||
		(row.Status != workflows.OnboardingAwaitingEmail && row.Status != "disputing") {
		return nil // mailed already, or no longer wanted
	}
	if h.Mailer == nil {
		return engine.Permanentf("e-mail code %s: no SMTP_URL, so no code can be mailed", row.ID)
	}
	if keyErr != nil {
		return fmt.Errorf("e-mail code key: %w", keyErr)
	}
	code, err := workflows.NewEmailCode()
	if err != nil {
		return err
	}
	hash := workflows.HashEmailCode(key, row.ID, code)
	now := h.Now().UTC()
	expires := now.Add(h.EmailCode.TTL)
	lang, _ := i18n.Parse(row.Lang)
	// Each drawn code is its own message (a retry's differs from the first).
	mail, err := codeMail(i18n.NewPrinter(lang, h.Zone), code, expires, row.Name,
		strings.TrimSuffix(h.PublicBaseURL, "/")+"/onboarding", row.ID+"."+hex.EncodeToString(hash[:6]))
	if err != nil {
		return engine.Permanent(err)
	}
	mail.To = row.Email
	if err := h.Mailer.Send(ctx, mail); err != nil {
		return fmt.Errorf("mail e-mail code %s: %w", row.ID, err)
	}
	return tx.Exec(`UPDATE email_codes SET code_hash = ?, sent_at = ?, expires_at = ? WHERE id = ?`,
		hash, now, expires, row.ID).Error
}
