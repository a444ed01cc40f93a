package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// csrfCookie holds a random per-browser nonce; forms carry an HMAC of it and
// of the session, so a page on another site can neither read nor forge one.
const csrfCookie = "campusbiz_csrf"

// CSRFField is the form field that carries the token.
const CSRFField = "csrf"

const (
	ctxAccount = "web.account"
	ctxSession = "web.session"
	ctxNonce   = "web.csrf_nonce"
)

// session resolves the session cookie, when there is one, and makes sure
// the browser has a CSRF nonce. An invalid or expired cookie is dropped: the
// visitor is signed out, not refused.
func (s *site) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ck, err := c.Cookie(app.SessionCookie); err == nil && ck.Value != "" {
			acct, sessionID, err := s.app.Resolve(c.Request().Context(), ck.Value)
			switch {
			case errors.Is(err, app.ErrInvalidToken):
				s.setSessionCookie(c, "", -1)
			case err != nil:
				return err
			default:
				c.Set(ctxAccount, acct)
				c.Set(ctxSession, sessionID)
			}
		}
		nonce := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			nonce = ck.Value
		} else {
			b := make([]byte, 32)
			_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
			nonce = base64.RawURLEncoding.EncodeToString(b)
			c.SetCookie(&http.Cookie{Name: csrfCookie, Value: nonce, Path: "/", HttpOnly: true,
				Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
		}
		c.Set(ctxNonce, nonce)
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// setSessionCookie sets (maxAge > 0 or 0 for a session cookie) or clears
// (maxAge < 0) the session cookie the API's login also sets.
func (s *site) setSessionCookie(c echo.Context, token string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: app.SessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// CSRFToken is the token a form must carry for the browser nonce and the
// session id ("" when signed out), under key.
func CSRFToken(key []byte, nonce, sessionID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(nonce))
	mac.Write([]byte{0})
	mac.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfToken is the token for this request's forms.
func (s *site) csrfToken(c echo.Context) string {
	sessionID, _ := c.Get(ctxSession).(string)
	return CSRFToken(s.csrf, c.Get(ctxNonce).(string), sessionID)
}

// checkCSRF refuses a form whose token does not match the browser's nonce
// and session: 403, nothing done.
func (s *site) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := c.FormValue(CSRFField)
		if got == "" || !hmac.Equal([]byte(got), []byte(s.csrfToken(c))) {
			return s.fail(c, http.StatusForbidden, "csrf.refused")
		}
		return next(c)
	}
}

// account is the signed-in account, if any.
func account(c echo.Context) (models.Account, bool) {
	a, ok := c.Get(ctxAccount).(models.Account)
	return a, ok
}

// signedIn sends visitors who are not signed in to the sign-in page, and
// back here afterwards.
func (s *site) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := account(c); !ok {
			if c.Request().Method != http.MethodGet {
				return s.fail(c, http.StatusUnauthorized, "error.signin")
			}
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// only lets through accounts whose role is one of roles.
func (s *site) only(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			acct, _ := account(c)
			for _, r := range roles {
				if acct.Role == r {
					return next(c)
				}
			}
			return s.fail(c, http.StatusForbidden, "error.forbidden")
		}
	}
}

// limitSubmissions spends the account's submission budget (the one the
// JSON API spends too) on a form that starts or changes a workflow: past
// it, 429 with Retry-After and nothing written. It runs after signedIn.
func (s *site) limitSubmissions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		acct, _ := account(c)
		if err := s.app.AllowSubmit(c.Request().Context(), app.ActorOf(acct)); err != nil {
			return s.failWith(c, err)
		}
		return next(c)
	}
}

// actor is the signed-in account as the use cases see it, with the
// client's address; only pages behind signedIn call it.
func actor(c echo.Context) app.Actor {
	acct, _ := account(c)
	a := app.ActorOf(acct)
	a.IP = c.RealIP()
	return a
}
