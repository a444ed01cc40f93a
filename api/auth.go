package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

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

// LoginResponse answers a successful login.
type LoginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	Account   AccountView `json:"account"`
}

func (s *server) register(c echo.Context) error {
	var in app.RegisterInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	// The account speaks the client's language (Chinese when it names none).
	in.Lang = string(i18n.Negotiate(c.Request().Header.Get("Accept-Language"), i18n.ZH))
	acct, err := s.app.Register(c.Request().Context(), c.RealIP(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, accountView(acct))
}

func (s *server) login(c echo.Context) error {
	var in app.LoginInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sess, err := s.app.Login(c.Request().Context(), app.Client{IP: c.RealIP(), Device: deviceToken(c)}, in)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: app.SessionCookie, Value: sess.Token.Value, Path: "/", Expires: sess.Token.ExpiresAt,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	if sess.Device != "" {
		c.SetCookie(&http.Cookie{
			Name: app.DeviceCookie, Value: sess.Device, Path: "/", MaxAge: int(app.DeviceTTL.Seconds()),
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
		})
	}
	return c.JSON(http.StatusOK, LoginResponse{Token: sess.Token.Value, ExpiresAt: sess.Token.ExpiresAt, Account: accountView(sess.Account)})
}

func (s *server) logout(c echo.Context) error {
	if err := s.app.Logout(c.Request().Context(), c.Get(ctxSession).(string)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: app.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

func (s *server) me(c echo.Context) error {
	acct, err := s.app.Me(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, accountView(acct))
}

func (s *server) createAccount(c echo.Context) error {
	var in app.StaffInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	acct, err := s.app.CreateStaff(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, accountView(acct))
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
			if ck, err := c.Cookie(app.SessionCookie); err == nil {
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
	acct, sessionID, err := s.app.Resolve(c.Request().Context(), token)
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

// actor is the signed-in account as the use cases see it, with the
// client's address.
func actor(c echo.Context) app.Actor {
	a := app.ActorOf(current(c))
	a.IP = c.RealIP()
	return a
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

// limitSubmissions is route middleware, placed after authenticate, that
// answers 429 with Retry-After once the signed-in account has used its
// submission budget. It runs before the handler, so a refused request
// writes nothing.
func (s *server) limitSubmissions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.app.AllowSubmit(c.Request().Context(), actor(c)); err != nil {
			return err
		}
		return next(c)
	}
}

// limitLookups is route middleware that answers 429 once the client IP has
// used its certificate look-up budget.
func (s *server) limitLookups(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.app.AllowLookup(c.Request().Context(), c.RealIP()); err != nil {
			return err
		}
		return next(c)
	}
}

// deviceToken is the device token the client keeps as a cookie, if any:
// clients that keep cookies are not throttled by others' failed sign-ins.
func deviceToken(c echo.Context) string {
	if ck, err := c.Cookie(app.DeviceCookie); err == nil {
		return ck.Value
	}
	return ""
}
