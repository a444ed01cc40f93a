package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AuditDecideDispute is an admin's decision on a dispute.
const AuditDecideDispute = "dispute.decide"

// DisputeInput is a claimant's evidence: the body of POST
// /onboarding/{id}/disputes.
type DisputeInput struct {
	Statement string `json:"statement" validate:"required,max=8000"`
}

// DecideDisputeInput is an admin's decision: the body of POST
// /admin/disputes/{id}/decide and the dispute page's form.
type DecideDisputeInput struct {
	Outcome string `json:"outcome" validate:"required,oneof=revoke_other reject"`
	Reason  string `json:"reason" validate:"required,notblank,max=500,nocontrol"`
}

// DisputeFilter narrows the admin's list of disputes by status.
type DisputeFilter struct {
	Status string `json:"status" validate:"omitempty,oneof=pending upheld dismissed"`
}

// DisputeClaim is one side of a dispute: a profile, its account's name and
// e-mail, whether its college mailbox was proven by a code, and what
// depends on its verification.
type DisputeClaim struct {
	Profile      models.StudentProfile
	AccountName  string
	AccountEmail string
	EmailProven  bool
	Shops        int64
	OpenFund     int64
	Disbursed    int64
	Certificates int64
}

// DisputeDetail is a dispute with both claims side by side.
type DisputeDetail struct {
	Dispute  models.Dispute
	Claimant DisputeClaim
	Other    DisputeClaim
}

// DisputeDecision is what a decision did beyond the dispute: the entities
// it changed and those it left for people to handle (docs/DISPUTES.md).
type DisputeDecision struct {
	Dispute               models.Dispute
	RejectedShops         []string
	WithdrawnApplications []string
	RevokedCertificates   []string
	// Flagged are left alone: disbursed grants and internship applications.
	FlaggedDisbursed   []string
	FlaggedInternships []string
}

// openFundStates are the fund states a revocation withdraws.
var openFundStates = []string{workflows.FundSubmitted, workflows.FundScreening, workflows.FundInReview,
	workflows.FundApproved, workflows.FundWaitlisted}

// FileDispute records the applicant's claim that the college and student
// number of their profile profileID are theirs though another account's
// profile is verified with them. Only a profile refused for that reason
// (rejected, or any unverified state while such a profile exists) may
// dispute, once at a time.
func (a *App) FileDispute(ctx context.Context, actor Actor, profileID string, in DisputeInput) (models.Dispute, error) {
	if err := checkOwnProfileID(actor, profileID); err != nil {
		return models.Dispute{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Dispute{}, err
	}
	statement, err := workflows.CheckDisputeStatement(in.Statement)
	if err != nil {
		return models.Dispute{}, err
	}
	var d models.Dispute
	err = a.engine.Do(ctx, func(w *engine.Work) error {
		prof, err := lockOwnProfile(w, actor, profileID)
		if err != nil {
			return err
		}
		if prof.Status == workflows.OnboardingVerified || prof.Status == workflows.OnboardingRevoked {
			return workflows.Refuse(workflows.ErrConflict, msg.DisputeNotDisputable)
		}
		var other struct {
			ID          string
			EmailProven bool
		}
		res := w.DB().Raw(`SELECT o.id, EXISTS (SELECT 1 FROM email_codes c WHERE c.profile_id = ? AND c.email = ?
				AND c.used_at IS NOT NULL) AS email_proven
			FROM student_profiles o WHERE o.college_id = ? AND o.student_number = ? AND o.status = 'verified' AND o.id <> ?`,
			prof.ID, prof.CollegeEmail, prof.CollegeID, prof.StudentNumber, prof.ID).Scan(&other)
		if res.Error != nil {
			return fmt.Errorf("find the profile that profile %s disputes: %w", prof.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return workflows.Refuse(workflows.ErrConflict, msg.DisputeNotDisputable)
		}
		d = models.Dispute{ID: models.NewID(), ClaimantProfileID: prof.ID, ClaimantAccountID: actor.ID,
			OtherProfileID: other.ID, Statement: statement, EmailProven: other.EmailProven,
			Status: workflows.DisputeOpen, CreatedAt: a.now()}
		if err := w.DB().Create(&d).Error; err != nil {
			if engine.IsUniqueViolation(err) {
				return workflows.Refuse(workflows.ErrConflict, msg.DisputeOpen)
			}
			return fmt.Errorf("file dispute: %w", err)
		}
		// A code to the claimant's college address: confirming it
		// (POST …/email-code) proves the address for the dispute.
		if _, err := workflows.NewEmailCodeRow(w, prof, d.CreatedAt); err != nil {
			return err
		}
		return w.Advance(workflows.DisputeMachine, actor.ID, engine.Transition{EntityID: d.ID, To: workflows.DisputeOpen,
			Actor: engine.ActorAccount(actor.ID), Reasons: []models.Reason{workflows.NewReason("", msg.DisputeFiled)}})
	})
	return d, err
}

// Disputes lists the disputes, newest first, for an admin.
func (a *App) Disputes(ctx context.Context, actor Actor, f DisputeFilter, p Page) (List[models.Dispute], error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return List[models.Dispute]{}, err
	}
	if err := a.validate(f); err != nil {
		return List[models.Dispute]{}, err
	}
	q := a.db.WithContext(ctx).Model(&models.Dispute{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	return listRows(q, p, "id", true, func(d models.Dispute) string { return d.ID })
}

// Dispute is the dispute id with both claims side by side, for an admin.
func (a *App) Dispute(ctx context.Context, actor Actor, id string) (DisputeDetail, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return DisputeDetail{}, err
	}
	if err := checkID(id); err != nil {
		return DisputeDetail{}, err
	}
	db := a.db.WithContext(ctx)
	var det DisputeDetail
	err := db.Take(&det.Dispute, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return det, workflows.ErrNotFound
	}
	if err != nil {
		return det, fmt.Errorf("load dispute %s: %w", id, err)
	}
	for _, side := range []struct {
		claim     *DisputeClaim
		profileID string
	}{{&det.Claimant, det.Dispute.ClaimantProfileID}, {&det.Other, det.Dispute.OtherProfileID}} {
		if err := a.disputeClaim(db, side.profileID, side.claim); err != nil {
			return det, err
		}
	}
	return det, nil
}

// disputeClaim loads one side of a dispute.
func (a *App) disputeClaim(db *gorm.DB, profileID string, c *DisputeClaim) error {
	if err := db.Take(&c.Profile, "id = ?", profileID).Error; err != nil {
		return fmt.Errorf("load profile %s: %w", profileID, err)
	}
	var row struct {
		AccountName, AccountEmail                string
		EmailProven                              bool
		Shops, OpenFund, Disbursed, Certificates int64
	}
	err := db.Raw(`SELECT a.name AS account_name, a.email AS account_email,
			EXISTS (SELECT 1 FROM email_codes c WHERE c.profile_id = ? AND c.used_at IS NOT NULL) AS email_proven,
			(SELECT count(*) FROM shops s WHERE s.account_id = a.id AND s.status IN ('pending', 'verified')) AS shops,
			(SELECT count(*) FROM fund_applications f WHERE f.account_id = a.id AND f.status IN ?) AS open_fund,
			(SELECT count(*) FROM fund_applications f WHERE f.account_id = a.id AND f.status = 'disbursed') AS disbursed,
			(SELECT count(*) FROM certificates c WHERE c.account_id = a.id AND c.status = 'valid') AS certificates
		FROM accounts a WHERE a.id = ?`, profileID, openFundStates, c.Profile.AccountID).Scan(&row).Error
	if err != nil {
		return fmt.Errorf("load the claim of profile %s: %w", profileID, err)
	}
	c.AccountName, c.AccountEmail, c.EmailProven = row.AccountName, row.AccountEmail, row.EmailProven
	c.Shops, c.OpenFund, c.Disbursed, c.Certificates = row.Shops, row.OpenFund, row.Disbursed, row.Certificates
	return nil
}

// DecideDispute records an admin's decision on an open dispute, in one
// unit of work with every row it touches locked. revoke_other upholds it:
// the other profile is revoked, its owner's shops rejected, open fund
// applications withdrawn (reserved grants released), valid certificates
// revoked, and the claimant's profile checked again (back to pending, then
// the e-mail code); disbursed grants and internship applications are left
// alone and flagged. reject dismisses it. Both parties' timelines, their
// notifications and the audit log record it.
func (a *App) DecideDispute(ctx context.Context, actor Actor, id string, in DecideDisputeInput) (DisputeDecision, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return DisputeDecision{}, err
	}
	if err := checkID(id); err != nil {
		return DisputeDecision{}, err
	}
	if err := a.validate(in); err != nil {
		return DisputeDecision{}, err
	}
	to, _ := workflows.DisputeTarget(in.Outcome) // validated: one of the two
	reason := strings.TrimSpace(in.Reason)
	var dec DisputeDecision
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		dec = DisputeDecision{}
		tx := w.DB()
		d := &dec.Dispute
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(d, "id = ?", id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock dispute %s: %w", id, err)
		}
		if d.Status != workflows.DisputeOpen {
			return workflows.Refuse(workflows.ErrConflict, msg.DisputeDecided, msg.Text("status", d.Status))
		}
		before := *d
		now := a.now()
		if to == workflows.DisputeUpheld {
			if err := a.upholdDispute(ctx, w, actor, &dec, reason); err != nil {
				return err
			}
		}
		d.Status, d.DecisionReason, d.DecidedBy, d.DecidedAt = to, &reason, &actor.ID, &now
		if err := tx.Select("Status", "DecisionReason", "DecidedBy", "DecidedAt").Updates(d).Error; err != nil {
			return fmt.Errorf("decide dispute %s: %w", id, err)
		}
		note := msg.DisputeDismissed
		if to == workflows.DisputeUpheld {
			note = msg.DisputeUpheld
		}
		err = w.Advance(workflows.DisputeMachine, d.ClaimantAccountID, engine.Transition{EntityID: d.ID,
			From: workflows.DisputeOpen, To: to, Actor: engine.ActorAccount(actor.ID),
			Reasons: []models.Reason{workflows.NewReason("", note, msg.Text("reason", reason))}})
		if err != nil {
			return err
		}
		return a.audit(w, actor, AuditDecideDispute, "dispute", d.ID, before, dec)
	})
	return dec, err
}

// upholdDispute revokes the other verification of dec's dispute and what
// hangs on it, and sends the claimant's profile to be checked again.
func (a *App) upholdDispute(ctx context.Context, w *engine.Work, actor Actor, dec *DisputeDecision, reason string) error {
	tx := w.DB()
	d := dec.Dispute
	var profs []models.StudentProfile
	// Both profiles, locked in id order (no deadlock with another decision).
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id IN ?", []string{d.ClaimantProfileID, d.OtherProfileID}).
		Order("id").Find(&profs).Error
	if err != nil {
		return fmt.Errorf("lock the profiles of dispute %s: %w", d.ID, err)
	}
	var claimant, other *models.StudentProfile
	for i := range profs {
		if profs[i].ID == d.ClaimantProfileID {
			claimant = &profs[i]
		} else {
			other = &profs[i]
		}
	}
	if claimant == nil || other == nil {
		return fmt.Errorf("dispute %s: a profile is missing", d.ID)
	}
	if other.Status != workflows.OnboardingVerified {
		return workflows.Refuse(workflows.ErrConflict, msg.DisputeOtherGone, msg.Text("status", other.Status))
	}
	now := a.now()
	revoked := []models.Reason{workflows.NewReason("", msg.OnboardingRevokedByDispute, msg.Text("reason", reason))}
	other.Status, other.Reasons, other.UpdatedAt = workflows.OnboardingRevoked, revoked, now
	if err := tx.Select("Status", "Reasons", "UpdatedAt").Updates(other).Error; err != nil {
		return fmt.Errorf("revoke profile %s: %w", other.ID, err)
	}
	err = w.Advance(workflows.OnboardingMachine, other.AccountID, engine.Transition{EntityID: other.ID,
		From: workflows.OnboardingVerified, To: workflows.OnboardingRevoked, Actor: engine.ActorAccount(actor.ID), Reasons: revoked})
	if err != nil {
		return err
	}
	if err := a.revokeHoldings(ctx, w, actor, dec, other.AccountID, reason); err != nil {
		return err
	}
	if !workflows.OnboardingMachine.Allows(claimant.Status, workflows.OnboardingPending) {
		return nil // awaiting its code already (it passed the checks): it goes on as it is
	}
	from := claimant.Status
	claimant.Status, claimant.Reasons, claimant.Revision, claimant.UpdatedAt = workflows.OnboardingPending, []models.Reason{},
		claimant.Revision+1, now
	workflows.BurnEmailCodes(w, claimant.ID, now)
	if err := tx.Select("Status", "Reasons", "Revision", "UpdatedAt").Updates(claimant).Error; err != nil {
		return fmt.Errorf("reopen profile %s: %w", claimant.ID, err)
	}
	err = w.Advance(workflows.OnboardingMachine, claimant.AccountID, engine.Transition{EntityID: claimant.ID,
		From: from, To: workflows.OnboardingPending, Actor: engine.ActorAccount(actor.ID),
		Reasons: []models.Reason{workflows.NewReason("", msg.OnboardingDisputeWon)}})
	if err != nil {
		return err
	}
	_, err = w.Enqueue(workflows.NewOnboardingVerifyTask(claimant.ID, claimant.Revision))
	return err
}

// revokeHoldings applies the revocation's rules to what the account owns.
// The certificates' revocation reason is the admin's reason for the decision.
func (a *App) revokeHoldings(ctx context.Context, w *engine.Work, actor Actor, dec *DisputeDecision, accountID, reason string) error {
	tx := w.DB()
	// A new chain per query: a gorm chain reused would carry its conditions over.
	lock := func() *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }
	because := []models.Reason{workflows.NewReason("", msg.OwnerVerificationRevoked)}
	var shops []models.Shop
	if err := lock().Where("account_id = ? AND status IN ?", accountID, []string{workflows.ShopPending, workflows.ShopVerified}).
		Order("id").Find(&shops).Error; err != nil {
		return fmt.Errorf("lock the shops of %s: %w", accountID, err)
	}
	for i := range shops {
		sh := &shops[i]
		from := sh.Status
		sh.Status, sh.Reasons, sh.UpdatedAt = workflows.ShopRejected, because, a.now()
		if err := tx.Select("Status", "Reasons", "UpdatedAt").Updates(sh).Error; err != nil {
			return fmt.Errorf("reject shop %s: %w", sh.ID, err)
		}
		err := w.Advance(workflows.ShopMachine, accountID, engine.Transition{EntityID: sh.ID, From: from,
			To: workflows.ShopRejected, Actor: engine.ActorAccount(actor.ID), Reasons: because})
		if err != nil {
			return err
		}
		dec.RejectedShops = append(dec.RejectedShops, sh.ID)
	}
	var apps []models.FundApplication
	if err := tx.Raw(`SELECT id FROM fund_applications WHERE account_id = ? AND status IN ? ORDER BY id`,
		accountID, openFundStates).Scan(&apps).Error; err != nil {
		return fmt.Errorf("find the applications of %s: %w", accountID, err)
	}
	for _, ap := range apps {
		app, err := workflows.LockFundApplication(tx, ap.ID)
		if err != nil {
			return err
		}
		if err := a.withdrawFund(ctx, w, actor, &app, because...); err != nil {
			return err
		}
		dec.WithdrawnApplications = append(dec.WithdrawnApplications, app.ID)
	}
	var certs []models.Certificate
	if err := lock().Omit("pdf").Where("account_id = ? AND status = ?", accountID, workflows.CertificateValid).
		Order("id").Find(&certs).Error; err != nil {
		return fmt.Errorf("lock the certificates of %s: %w", accountID, err)
	}
	if err := a.revokeCertificates(ctx, w, actor, certs, reason); err != nil {
		return err
	}
	for _, c := range certs {
		dec.RevokedCertificates = append(dec.RevokedCertificates, c.Serial)
	}
	if err := tx.Raw(`SELECT id FROM fund_applications WHERE account_id = ? AND status = ? ORDER BY id`,
		accountID, workflows.FundDisbursed).Scan(&dec.FlaggedDisbursed).Error; err != nil {
		return fmt.Errorf("find the grants of %s: %w", accountID, err)
	}
	if err := tx.Raw(`SELECT id FROM internship_applications WHERE account_id = ? ORDER BY id`,
		accountID).Scan(&dec.FlaggedInternships).Error; err != nil {
		return fmt.Errorf("find the internship applications of %s: %w", accountID, err)
	}
	return nil
}

// DisputeEvents is the dispute's timeline, for its claimant or an admin.
func (a *App) DisputeEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	d, err := readable(ctx, a, actor, id, func(d models.Dispute) string { return d.ClaimantAccountID }, nil)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, d.ID, p)
}
