package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

func (s *site) home(c echo.Context) error {
	st, err := s.app.HomeFigures(c.Request().Context())
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "home.title")
	v.Data = st
	return s.render(c, http.StatusOK, "home", v)
}

func (s *site) registerForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "register", s.newView(c, "register.title"))
}

func (s *site) register(c echo.Context) error {
	var in app.RegisterInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "register.title")
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "register", v, problems)
	}
	in.Lang = v.Lang
	sess, err := s.app.RegisterAndLogin(c.Request().Context(), c.RealIP(), in)
	if err != nil {
		return s.signInProblem(c, "register", v, err)
	}
	return s.startSession(c, sess, "/dashboard")
}

// signInProblem answers a register or sign-in form whose use case failed:
// too many attempts and wrong credentials say so on the form, the rest as
// any form does.
func (s *site) signInProblem(c echo.Context, name string, v view, err error) error {
	var limited *app.RateLimitedError
	switch {
	case errors.As(err, &limited):
		v.Notice = v.T("login.slow")
		return s.render(c, http.StatusTooManyRequests, name, v)
	case errors.Is(err, app.ErrBadCredentials):
		v.Notice = v.T("login.bad")
		return s.render(c, http.StatusUnauthorized, name, v)
	}
	return s.submitted(c, name, v, err)
}

func (s *site) loginForm(c echo.Context) error {
	v := s.newView(c, "login.title")
	v.Form.Set("next", c.QueryParam("next"))
	return s.render(c, http.StatusOK, "login", v)
}

func (s *site) login(c echo.Context) error {
	var in app.LoginInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "login.title")
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "login", v, problems)
	}
	client := app.Client{IP: c.RealIP()}
	if ck, err := c.Cookie(app.DeviceCookie); err == nil {
		client.Device = ck.Value
	}
	sess, err := s.app.Login(c.Request().Context(), client, in)
	if err != nil {
		return s.signInProblem(c, "login", v, err)
	}
	return s.startSession(c, sess, form.Get("next"))
}

// startSession sets the session cookie of sess (the one the API's login
// sets too) and goes to next when it is a path on this site.
func (s *site) startSession(c echo.Context, sess app.Session, next string) error {
	s.setSessionCookie(c, sess.Token.Value, int(s.app.SessionTTL().Seconds()))
	if sess.Device != "" {
		c.SetCookie(&http.Cookie{Name: app.DeviceCookie, Value: sess.Device, Path: "/", MaxAge: int(app.DeviceTTL.Seconds()),
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	}
	return c.Redirect(http.StatusSeeOther, LocalPath(next, homeOf(sess.Account.Role)))
}

func (s *site) logout(c echo.Context) error {
	if err := s.app.Logout(c.Request().Context(), c.Get(ctxSession).(string)); err != nil {
		return s.failWith(c, err)
	}
	s.setSessionCookie(c, "", -1)
	return c.Redirect(http.StatusSeeOther, "/")
}

// maxNextLen bounds the redirect target a sign-in link may carry.
const maxNextLen = 2048

// LocalPath is next when it is a path on this site (so a crafted link
// cannot send a signed-in visitor elsewhere), fallback otherwise. The rule
// is strict rather than a copy of a browser's parser: next must be plain
// printable ASCII (browsers drop tabs and newlines inside a URL and turn
// backslashes into slashes, so "/\t/evil.example" or "/\\evil.example"
// would leave the site), parse as a path with no scheme or host, and not
// start with two slashes. The answer is next as parsed and re-encoded, so
// what the browser is sent is exactly what was checked.
func LocalPath(next, fallback string) string {
	if len(next) > maxNextLen || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.EscapedPath(), "//") {
		return fallback
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// homeOf is where a role lands after signing in.
func homeOf(role string) string {
	switch role {
	case models.RoleReviewer:
		return "/reviews"
	case models.RoleAdmin:
		return "/admin"
	}
	return "/dashboard"
}

// withoutSecrets is a posted form without its password, which is never
// sent back.
func withoutSecrets(form map[string][]string) map[string][]string {
	out := make(map[string][]string, len(form))
	for k, v := range form {
		if k != "password" && k != CSRFField {
			out[k] = v
		}
	}
	return out
}

// verifyLookup is the form that finds a certificate by serial.
func (s *site) verifyLookup(c echo.Context) error {
	if serial := strings.TrimSpace(c.QueryParam("serial")); serial != "" {
		return c.Redirect(http.StatusSeeOther, "/verify/"+url.PathEscape(serial))
	}
	return s.render(c, http.StatusOK, "verify", s.newView(c, "verify.title"))
}

// certificatePage is a certificate as its verify page shows it.
type certificatePage struct {
	Serial, HolderName, CourseTitle, IssuerName string
	IssuedAt, RevokedAt                         *time.Time
	// Valid is true only when the signature checks and it is not revoked.
	Valid, Revoked bool
}

// verify is where a certificate's QR code points: for a browser, the page
// of the certificate as checked now (signature and revocation), never
// cached; any other client is sent to the JSON API's verification of it.
func (s *site) verify(c echo.Context) error {
	if !WantsHTML(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.Redirect(http.StatusTemporaryRedirect, "/api/v1/certificates/"+url.PathEscape(c.Param("serial")))
	}
	ctx := c.Request().Context()
	if err := s.app.AllowLookup(ctx, c.RealIP()); err != nil {
		return s.failWith(c, err)
	}
	cert, err := s.app.Certificate(ctx, c.Param("serial"), false)
	if errors.Is(err, workflows.ErrNotFound) {
		// The verify page, saying so, with its form to try another serial.
		v := s.newView(c, "verify.title")
		v.Notice = v.T("verify.unknown")
		return s.render(c, http.StatusNotFound, "verify", v)
	}
	if err != nil {
		return s.failWith(c, err)
	}
	ver := cert.Verification
	page := certificatePage{
		Serial: cert.Serial, HolderName: ver.Credential.CredentialSubject.Name,
		CourseTitle: ver.Credential.CredentialSubject.Achievement.Name, IssuerName: ver.Credential.Issuer.Name,
		RevokedAt: cert.RevokedAt, Valid: ver.Valid(), Revoked: ver.Revoked,
	}
	if !ver.IssuedAt.IsZero() {
		page.IssuedAt = &ver.IssuedAt
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	v := s.newView(c, "verify.title")
	v.Data = page
	return s.render(c, http.StatusOK, "verify", v)
}

// WantsHTML reports whether an Accept header asks for a web page: it names
// text/html with a quality above 0 (browsers do; API clients send
// application/json or nothing).
func WantsHTML(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/html") {
			q := 1.0
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				q = parseQ(v)
			}
			return q > 0
		}
	}
	return false
}

// parseQ reads an HTTP quality value ("0.8"); anything else counts as 0.
func parseQ(v string) float64 {
	q, scale, seenDot := 0.0, 1.0, false
	for _, r := range v {
		switch {
		case r == '.' && !seenDot:
			seenDot = true
		case r >= '0' && r <= '9':
			if seenDot {
				scale /= 10
				q += float64(r-'0') * scale
			} else {
				q = q*10 + float64(r-'0')
			}
		default:
			return 0
		}
	}
	if q > 1 {
		return 0
	}
	return q
}

// Issuer names a certificate's signed issuer on the page: this programme
// in the page's language (the credential signs its bilingual name), any
// other issuer as signed.
func (v view) Issuer(signed string) string {
	if signed == workflows.CertificateIssuerName {
		return v.T("verify.issuer.programme")
	}
	return signed
}
