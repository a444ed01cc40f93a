package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// SessionCookie carries the token for browser-loaded pages (Asynqmon).
const SessionCookie = "campusbiz_session"

const (
	ctxAccount = "account"
	ctxSession = "session"
)

// AccountView is an account as the API shows it.
type AccountView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CollegeID *string   `json:"college_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func accountView(a models.Account) AccountView {
	return AccountView{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, CollegeID: a.CollegeID, CreatedAt: a.CreatedAt.UTC()}
}

// RegisterRequest is the body of POST /auth/register.
type RegisterRequest struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,min=10,max=128"`
	Name     string `json:"name" validate:"required,max=100,nocontrol"`
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=128"`
}

// LoginResponse answers a successful login.
type LoginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	Account   AccountView `json:"account"`
}

// CreateAccountRequest is the body of POST /admin/accounts.
type CreateAccountRequest struct {
	Email     string  `json:"email" validate:"required,email,max=254"`
	Password  string  `json:"password" validate:"required,min=10,max=128"`
	Name      string  `json:"name" validate:"required,max=100,nocontrol"`
	Role      string  `json:"role" validate:"required,oneof=reviewer admin"`
	CollegeID *string `json:"college_id" validate:"omitempty,uuid"`
}

func (s *server) register(c echo.Context) error {
	var req RegisterRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if ok, wait := s.limits.registerIP.Allow(c.Request().Context(), c.RealIP()); !ok {
		return rateLimited(c.Response().Header(), wait)
	}
	acct, err := accounts.Create(c.Request().Context(), s.db, accounts.NewAccount{
		Email: req.Email, Password: req.Password, Name: req.Name, Role: models.RoleApplicant,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, accountView(acct))
}

func (s *server) login(c echo.Context) error {
	var req LoginRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if ok, wait := s.limits.loginIP.Allow(c.Request().Context(), c.RealIP()); !ok {
		return rateLimited(c.Response().Header(), wait)
	}
	if ok, wait := s.limits.loginAcct.Allow(c.Request().Context(), accounts.NormalizeEmail(req.Email)); !ok {
		return rateLimited(c.Response().Header(), wait)
	}
	ctx := c.Request().Context()
	acct, err := accounts.Authenticate(ctx, s.db, req.Email, req.Password)
	if errors.Is(err, accounts.ErrBadCredentials) {
		return newError(http.StatusUnauthorized, msg.AuthBadCredentials)
	}
	if err != nil {
		return err
	}
	tok, err := s.sessions.Start(ctx, acct, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: tok.Value, Path: "/", Expires: tok.ExpiresAt,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return c.JSON(http.StatusOK, LoginResponse{Token: tok.Value, ExpiresAt: tok.ExpiresAt, Account: accountView(acct)})
}

func (s *server) logout(c echo.Context) error {
	if err := s.sessions.Revoke(c.Request().Context(), c.Get(ctxSession).(string)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

// me reads the account afresh: the token carries only its id and role.
func (s *server) me(c echo.Context) error {
	var acct models.Account
	if err := s.db.WithContext(c.Request().Context()).Take(&acct, "id = ?", current(c).ID).Error; err != nil {
		return fmt.Errorf("load account %s: %w", current(c).ID, err)
	}
	return c.JSON(http.StatusOK, accountView(acct))
}

func (s *server) createAccount(c echo.Context) error {
	var req CreateAccountRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	acct, err := s.createStaff(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, accountView(acct))
}

// createStaff creates the reviewer or admin account req describes. A new
// reviewer may be what applications waiting in screening need, so in the
// same transaction they are screened again (workflows.RescreenAwaiting);
// their tasks are dispatched right after commit.
func (s *server) createStaff(ctx context.Context, req CreateAccountRequest) (models.Account, error) {
	ctx, flush := s.direct(ctx)
	var acct models.Account
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if req.CollegeID != nil {
			var n int64
			if err := tx.Model(&models.College{}).Where("id = ?", *req.CollegeID).Count(&n).Error; err != nil {
				return fmt.Errorf("look up college %s: %w", *req.CollegeID, err)
			}
			if n == 0 {
				return fieldError("college_id", msg.CollegeNotPartner)
			}
		}
		var err error
		acct, err = accounts.Create(ctx, tx, accounts.NewAccount{
			Email: req.Email, Password: req.Password, Name: req.Name, Role: req.Role, CollegeID: req.CollegeID,
		})
		if err != nil || acct.Role != models.RoleReviewer {
			return err
		}
		n, err := workflows.RescreenAwaiting(ctx, tx)
		if n > 0 {
			s.log.InfoContext(ctx, "new reviewer: applications waiting for reviewers are screened again", "applications", n)
		}
		return err
	})
	if err != nil {
		return models.Account{}, err
	}
	flush()
	return acct, nil
}

// authenticate requires a bearer token. The JSON API never takes the
// cookie, so a third-party page cannot make a browser act through it.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.resolve(c, bearer(c.Request()), next)
	}
}

// authenticateWithCookie takes a bearer token or the SameSite=Strict session
// cookie; it guards pages a browser loads itself (Asynqmon).
func (s *server) authenticateWithCookie(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c.Request())
		if token == "" {
			if ck, err := c.Cookie(SessionCookie); err == nil {
				token = ck.Value
			}
		}
		return s.resolve(c, token, next)
	}
}

func (s *server) resolve(c echo.Context, token string, next echo.HandlerFunc) error {
	if token == "" {
		return errUnauthenticated
	}
	acct, sessionID, err := s.sessions.Resolve(c.Request().Context(), token)
	if errors.Is(err, accounts.ErrInvalidToken) {
		return newError(http.StatusUnauthorized, msg.AuthTokenInvalid)
	}
	if err != nil {
		return err
	}
	c.Set(ctxAccount, acct)
	c.Set(ctxSession, sessionID)
	return next(c)
}

func bearer(r *http.Request) string {
	h := r.Header.Get(echo.HeaderAuthorization)
	if scheme, token, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

// current is the signed-in account; only routes behind authenticate call it.
func current(c echo.Context) models.Account {
	return c.Get(ctxAccount).(models.Account)
}

// only lets through accounts whose role is one of roles.
func only(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			role := current(c).Role
			for _, r := range roles {
				if role == r {
					return next(c)
				}
			}
			return errForbidden
		}
	}
}

// canRead is the ownership rule for a workflow resource: its owner, an
// admin, or a reviewer assigned to it.
func canRead(acct models.Account, ownerID string, assignedReviewer bool) bool {
	switch acct.Role {
	case models.RoleAdmin:
		return true
	case models.RoleReviewer:
		return assignedReviewer
	default:
		return acct.ID == ownerID
	}
}
