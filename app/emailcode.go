package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EmailCodeInput is the body of POST /onboarding/{id}/email-code and the
// onboarding page's code form.
type EmailCodeInput struct {
	Code string `json:"code" validate:"required,max=32"`
}

// lockOwnProfile locks the actor's profile profileID in the unit w; a
// profile of anyone else is workflows.ErrNotFound.
func lockOwnProfile(w *engine.Work, actor Actor, profileID string) (models.StudentProfile, error) {
	var prof models.StudentProfile
	err := w.DB().Clauses(clause.Locking{Strength: "UPDATE"}).Take(&prof, "id = ? AND account_id = ?", profileID, actor.ID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return prof, workflows.ErrNotFound
	}
	if err != nil {
		return prof, fmt.Errorf("lock profile %s: %w", profileID, err)
	}
	return prof, nil
}

// checkOwnProfileID checks the actor's role and the id's form before a unit.
func checkOwnProfileID(actor Actor, profileID string) error {
	if err := actor.require(models.RoleApplicant); err != nil {
		return err
	}
	return checkID(profileID)
}

// ConfirmEmailCode proves the college mailbox of the applicant's profile
// with the code mailed to it. A claimant's rejected profile with a pending
// dispute records the proof on the dispute (evidence; the profile stays
// as it is). A profile awaiting_email is verified, in
// one unit of work holding the profile's and the code's row locks: only
// the newest code counts, once, before it lapses, compared in constant
// time; a wrong try is counted (and committed) and too many burn the code.
// The rule that one student number has one verified profile is checked
// again here: when another profile was verified with the same college and
// number meanwhile, this one is rejected (and the refusal says so).
func (a *App) ConfirmEmailCode(ctx context.Context, actor Actor, profileID string, in EmailCodeInput) (models.StudentProfile, error) {
	if err := checkOwnProfileID(actor, profileID); err != nil {
		return models.StudentProfile{}, err
	}
	if err := a.validate(in); err != nil {
		return models.StudentProfile{}, err
	}
	code, err := workflows.ParseEmailCode(in.Code)
	if err != nil {
		return models.StudentProfile{}, err
	}
	key, err := a.sessions.DeriveKey(ctx, workflows.EmailCodeKeyPurpose)
	if err != nil {
		return models.StudentProfile{}, fmt.Errorf("e-mail code key: %w", err)
	}
	var prof models.StudentProfile
	// refusal is the answer decided in a unit that must commit anyway (a
	// wrong try counted, a duplicate rejected).
	var refusal error
	err = a.engine.Do(ctx, func(w *engine.Work) error {
		refusal = nil
		var err error
		if prof, err = lockOwnProfile(w, actor, profileID); err != nil {
			return err
		}
		disputeID, err := codeWanted(w, prof)
		if err != nil {
			return err
		}
		tx := w.DB()
		var row models.EmailCode
		res := tx.Raw(`SELECT * FROM email_codes WHERE profile_id = ? ORDER BY created_at DESC, id LIMIT 1 FOR UPDATE`,
			prof.ID).Scan(&row)
		if res.Error != nil {
			return fmt.Errorf("lock the code of profile %s: %w", prof.ID, res.Error)
		}
		st := workflows.EmailCodeState{Exists: res.RowsAffected > 0, Sent: row.SentAt != nil, Used: row.UsedAt != nil,
			Burnt: row.BurntAt != nil, Attempts: row.Attempts}
		if row.ExpiresAt != nil {
			st.ExpiresAt = *row.ExpiresAt
		}
		now := a.now()
		v := workflows.JudgeEmailCode(a.cfg.EmailCode, st, now, workflows.EmailCodeMatches(key, row.ID, code, row.CodeHash))
		if !v.OK {
			refusal = v.Err
			if !v.CountAttempt {
				return nil
			}
			var burnt *time.Time
			if v.Burn {
				burnt = &now
			}
			return tx.Exec(`UPDATE email_codes SET attempts = attempts + 1, burnt_at = coalesce(?, burnt_at) WHERE id = ?`,
				burnt, row.ID).Error
		}
		if err := tx.Exec(`UPDATE email_codes SET used_at = ? WHERE id = ?`, now, row.ID).Error; err != nil {
			return fmt.Errorf("use the code of profile %s: %w", prof.ID, err)
		}
		if disputeID != "" {
			// Evidence for the dispute: the claimant owns the address.
			return tx.Exec(`UPDATE disputes SET email_proven = true WHERE id = ?`, disputeID).Error
		}
		return a.verifyProfile(w, actor, &prof, now, &refusal)
	})
	switch {
	case engine.IsUniqueViolation(err):
		// Another profile with this number was verified in the same instant;
		// nothing was written, and a retry rejects this one with the reason.
		return models.StudentProfile{}, workflows.Refuse(workflows.ErrConflict, msg.OnboardingAlreadyVerified)
	case err != nil:
		return models.StudentProfile{}, err
	case refusal != nil:
		return models.StudentProfile{}, refusal
	}
	return prof, nil
}

// verifyProfile moves prof (locked, awaiting_email, its code just
// confirmed) to verified, or to rejected when another verified profile has
// its college and student number; then *refusal says so.
func (a *App) verifyProfile(w *engine.Work, actor Actor, prof *models.StudentProfile, now time.Time, refusal *error) error {
	tx := w.DB()
	var duplicate bool
	err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM student_profiles WHERE college_id = ? AND student_number = ?
		AND status = 'verified' AND id <> ?)`, prof.CollegeID, prof.StudentNumber, prof.ID).Scan(&duplicate).Error
	if err != nil {
		return fmt.Errorf("look for a verified twin of profile %s: %w", prof.ID, err)
	}
	from := prof.Status
	reasons := []models.Reason{workflows.NewReason("college_email", msg.OnboardingEmailConfirmed)}
	prof.Status, prof.Reasons, prof.UpdatedAt = workflows.OnboardingVerified, []models.Reason{}, now
	if duplicate {
		reasons = []models.Reason{workflows.NewReason("student_number", msg.OnboardingAlreadyVerified)}
		prof.Status, prof.Reasons = workflows.OnboardingRejected, reasons
		*refusal = workflows.Refuse(workflows.ErrConflict, msg.OnboardingAlreadyVerified)
	} else {
		prof.VerifiedAt = &now
	}
	if err := tx.Select("Status", "Reasons", "UpdatedAt", "VerifiedAt").Updates(prof).Error; err != nil {
		return fmt.Errorf("update profile %s: %w", prof.ID, err)
	}
	return w.Advance(workflows.OnboardingMachine, prof.AccountID, engine.Transition{
		EntityID: prof.ID, From: from, To: prof.Status, Actor: engine.ActorAccount(actor.ID), Reasons: reasons,
	})
}

// ResendEmailCode mails a new code for the applicant's profile
// awaiting_email (the earlier one is burnt), unless the account or the
// college address had a code within the cooldown or too many codes in the
// last hour: then a *RateLimitedError says how long to wait, and nothing
// is written.
func (a *App) ResendEmailCode(ctx context.Context, actor Actor, profileID string) (models.StudentProfile, error) {
	if err := checkOwnProfileID(actor, profileID); err != nil {
		return models.StudentProfile{}, err
	}
	var prof models.StudentProfile
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		var err error
		if prof, err = lockOwnProfile(w, actor, profileID); err != nil {
			return err
		}
		if _, err := codeWanted(w, prof); err != nil {
			return err
		}
		now := a.now()
		var sends []struct {
			ByAccount, ByAddress bool
			CreatedAt            time.Time
		}
		err = w.DB().Raw(`SELECT account_id = ? AS by_account, email = ? AS by_address, created_at FROM email_codes
			WHERE (account_id = ? OR email = ?) AND created_at > ?`,
			prof.AccountID, prof.CollegeEmail, prof.AccountID, prof.CollegeEmail, now.Add(-time.Hour)).Scan(&sends).Error
		if err != nil {
			return fmt.Errorf("count the codes of profile %s: %w", prof.ID, err)
		}
		var byAccount, byAddress []time.Time
		for _, s := range sends {
			if s.ByAccount {
				byAccount = append(byAccount, s.CreatedAt)
			}
			if s.ByAddress {
				byAddress = append(byAddress, s.CreatedAt)
			}
		}
		if wait := workflows.ResendWait(a.cfg.EmailCode, now, byAccount, byAddress); wait > 0 {
			return &RateLimitedError{Wait: wait}
		}
		_, err = workflows.NewEmailCodeRow(w, prof, now)
		return err
	})
	return prof, err
}

// codeWanted says whether the profile prof (locked in w) has a code to
// confirm or re-send: it awaits its code, or it is a claimant's rejected
// profile with a pending dispute (locked too; its id is returned), whose
// code proves the college address for the dispute. Otherwise a refusal.
func codeWanted(w *engine.Work, prof models.StudentProfile) (disputeID string, err error) {
	if prof.Status == workflows.OnboardingAwaitingEmail {
		return "", nil
	}
	if prof.Status == workflows.OnboardingRejected {
		err := w.DB().Raw(`SELECT id FROM disputes WHERE claimant_profile_id = ? AND status = ? FOR UPDATE`,
			prof.ID, workflows.DisputeOpen).Scan(&disputeID).Error
		if err != nil {
			return "", fmt.Errorf("find the dispute of profile %s: %w", prof.ID, err)
		}
		if disputeID != "" {
			return disputeID, nil
		}
	}
	return "", workflows.Refuse(workflows.ErrConflict, msg.OnboardingNotAwaitingEmail, msg.Text("status", prof.Status))
}
