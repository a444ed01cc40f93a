package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// NewEmailCodeRow writes, in the unit w, a new code row for the profile prof
// (burning every earlier live code of it, so only the newest can be
// confirmed) and the onboarding:email_code task that draws and mails its
// code. It returns the row's id. The caller holds the profile's row lock.
func NewEmailCodeRow(w *engine.Work, prof models.StudentProfile, now time.Time) (string, error) {
	BurnEmailCodes(w, prof.ID, now)
	id := models.NewID()
	w.Defer(`INSERT INTO email_codes (id, profile_id, account_id, email, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, prof.ID, prof.AccountID, prof.CollegeEmail, now)
	if _, err := w.Enqueue(NewOnboardingEmailCodeTask(id)); err != nil {
		return "", fmt.Errorf("mail a code for profile %s: %w", prof.ID, err)
	}
	return id, nil
}

// BurnEmailCodes makes every live code of the profile profileID
// unconfirmable (a newer code, a resubmission), as a deferred write.
func BurnEmailCodes(w *engine.Work, profileID string, now time.Time) {
	w.Defer(`UPDATE email_codes SET burnt_at = $2 WHERE profile_id = $1 AND used_at IS NULL AND burnt_at IS NULL`,
		profileID, now)
}

// MaskEmail hides most of an address's local part for timelines and logs:
// "linxiao@pku.edu.cn" reads "l*****o@pku.edu.cn".
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "***"
	}
	local, domain := []rune(email[:at]), email[at:]
	if len(local) <= 2 {
		return strings.Repeat("*", len(local)) + domain
	}
	return string(local[0]) + strings.Repeat("*", len(local)-2) + string(local[len(local)-1]) + domain
}
