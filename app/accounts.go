package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Errors of signing in, for the adapters to answer 401.
var (
	// ErrBadCredentials: unknown e-mail or wrong password (never says which).
	ErrBadCredentials = accounts.ErrBadCredentials
	// ErrInvalidToken: an unknown, expired or signed-out token.
	ErrInvalidToken = accounts.ErrInvalidToken
)

// SessionCookie carries the sign-in token in a browser: the pages' session
// and, for pages a browser loads itself (Asynqmon), the JSON API's login
// sets it too.
const SessionCookie = "campusbiz_session"

// RegisterInput is a new applicant account: the body of POST
// /auth/register and the register page's form.
type RegisterInput struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,min=10,max=128"`
	Name     string `json:"name" validate:"required,notblank,max=100,nocontrol"`
	// Lang is the language the person registers in (the adapter's
	// negotiated one, never a body field); "": Chinese.
	Lang string `json:"-" validate:"omitempty,oneof=zh en"`
}

// LoginInput signs in: the body of POST /auth/login and the sign-in form.
type LoginInput struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=128"`
}

// StaffInput is a reviewer or admin account: the body of POST
// /admin/accounts and the admin page's form.
type StaffInput struct {
	Email     string  `json:"email" validate:"required,email,max=254"`
	Password  string  `json:"password" validate:"required,min=10,max=128"`
	Name      string  `json:"name" validate:"required,notblank,max=100,nocontrol"`
	Role      string  `json:"role" validate:"required,oneof=reviewer admin"`
	CollegeID *string `json:"college_id" validate:"omitempty,uuid"`
}

// Register creates an applicant account. Registering hashes a password, so
// it spends the client IP's registration budget (a *RateLimitedError
// beyond it); a taken e-mail is a conflict on "email".
func (a *App) Register(ctx context.Context, ip string, in RegisterInput) (models.Account, error) {
	if err := a.validate(in); err != nil {
		return models.Account{}, err
	}
	if err := allow(ctx, a.limits.registerIP, ip); err != nil {
		return models.Account{}, err
	}
	acct, err := accounts.Create(ctx, a.db, accounts.NewAccount{
		Email: in.Email, Password: in.Password, Name: in.Name, Role: models.RoleApplicant, Lang: in.Lang,
	})
	return acct, emailTaken(err)
}

// emailTaken turns accounts.ErrEmailTaken into a conflict on "email".
func emailTaken(err error) error {
	if errors.Is(err, accounts.ErrEmailTaken) {
		return workflows.RefuseField(workflows.ErrConflict, "email", msg.AuthEmailTaken)
	}
	return err
}

// Session is a signed-in account and its token.
type Session struct {
	Account models.Account
	Token   accounts.Token
	// Device is a new device token for the client to keep (the adapters
	// set it as the DeviceCookie); empty when the client already had one.
	Device string
}

// RegisterAndLogin registers an applicant and signs them in (the register
// page does both).
func (a *App) RegisterAndLogin(ctx context.Context, ip string, in RegisterInput) (Session, error) {
	acct, err := a.Register(ctx, ip, in)
	if err != nil {
		return Session{}, err
	}
	sess, err := a.startSession(ctx, acct)
	if err != nil {
		return Session{}, err
	}
	sess.Device = a.rememberDevice(ctx, acct.Email)
	return sess, nil
}

func (a *App) startSession(ctx context.Context, acct models.Account) (Session, error) {
	tok, err := a.sessions.Start(ctx, acct, a.cfg.SessionTTL)
	if err != nil {
		return Session{}, fmt.Errorf("start session of %s: %w", acct.ID, err)
	}
	return Session{Account: acct, Token: tok}, nil
}

// Resolve is the account and session id a token signs in as; an unknown,
// expired or signed-out token is ErrInvalidToken.
func (a *App) Resolve(ctx context.Context, token string) (models.Account, string, error) {
	return a.sessions.Resolve(ctx, token)
}

// Logout ends the session sessionID at once.
func (a *App) Logout(ctx context.Context, sessionID string) error {
	return a.sessions.Revoke(ctx, sessionID)
}

// Me is the actor's account, read afresh (a token carries only its id and
// role).
func (a *App) Me(ctx context.Context, actor Actor) (models.Account, error) {
	var acct models.Account
	if err := a.db.WithContext(ctx).Take(&acct, "id = ?", actor.ID).Error; err != nil {
		return models.Account{}, fmt.Errorf("load account %s: %w", actor.ID, err)
	}
	return acct, nil
}

// Notifications lists the actor's own notifications, newest first.
func (a *App) Notifications(ctx context.Context, actor Actor, p Page) (List[Notification], error) {
	rows, err := listRows(a.db.WithContext(ctx).Where("account_id = ?", actor.ID), p, "id", true,
		func(n models.Notification) string { return n.ID })
	if err != nil {
		return List[Notification]{}, err
	}
	out := List[Notification]{Items: make([]Notification, len(rows.Items)), NextCursor: rows.NextCursor}
	ids := make([]int64, len(rows.Items))
	for i, n := range rows.Items {
		out.Items[i].Notification, ids[i] = n, n.EventID
	}
	var evs []models.WorkflowEvent
	if len(ids) > 0 {
		if err := a.db.WithContext(ctx).Select("id", "reasons").Where("id IN ?", ids).Find(&evs).Error; err != nil {
			return List[Notification]{}, fmt.Errorf("load the events of notifications: %w", err)
		}
	}
	reasons := make(map[int64][]models.Reason, len(evs))
	for _, ev := range evs {
		reasons[ev.ID] = ev.Reasons
	}
	for i := range out.Items {
		out.Items[i].Reasons = reasons[out.Items[i].EventID]
	}
	return out, nil
}

// Notification is an in-app notification with its event's reasons, which
// the edge renders beside its code.
type Notification struct {
	models.Notification
	Reasons []models.Reason
}

// CreateStaff creates a reviewer or admin account. A new reviewer may be
// what applications waiting in screening need, so in the same unit of work
// they are screened again (workflows.RescreenAwaiting).
func (a *App) CreateStaff(ctx context.Context, actor Actor, in StaffInput) (models.Account, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.Account{}, err
	}
	if err := a.validate(in); err != nil {
		return models.Account{}, err
	}
	var acct models.Account
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		if in.CollegeID != nil {
			var n int64
			if err := tx.Model(&models.College{}).Where("id = ?", *in.CollegeID).Count(&n).Error; err != nil {
				return fmt.Errorf("look up college %s: %w", *in.CollegeID, err)
			}
			if n == 0 {
				return workflows.Invalid("college_id", msg.CollegeNotPartner)
			}
		}
		var err error
		acct, err = accounts.Create(ctx, tx, accounts.NewAccount{
			Email: in.Email, Password: in.Password, Name: in.Name, Role: in.Role, CollegeID: in.CollegeID,
		})
		if err != nil {
			return emailTaken(err)
		}
		if err := a.audit(w, actor, AuditCreateAccount, "account", acct.ID, nil, accountView(acct)); err != nil {
			return err
		}
		if acct.Role != models.RoleReviewer {
			return nil
		}
		n, err := workflows.RescreenAwaiting(w)
		if n > 0 {
			a.log.InfoContext(ctx, "new reviewer: applications waiting for reviewers are screened again", "applications", n)
		}
		return err
	})
	return acct, err
}

// accountView is what the audit log keeps of an account: no password hash.
func accountView(acct models.Account) map[string]any {
	return map[string]any{"id": acct.ID, "email": acct.Email, "name": acct.Name, "role": acct.Role, "college_id": acct.CollegeID}
}
