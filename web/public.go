package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// homeStats are the programme's figures on the home page.
type homeStats struct {
	BudgetFen, UsedFen, LeftFen int64
	Seats, Filled               int64
	Verified                    int64
}

func (s *site) home(c echo.Context) error {
	ctx := c.Request().Context()
	db := s.db.WithContext(ctx)
	var st homeStats
	var progs []models.FundProgram
	if err := db.Find(&progs).Error; err != nil {
		return s.failWith(c, fmt.Errorf("load fund programmes: %w", err))
	}
	for _, p := range progs {
		st.BudgetFen += p.BudgetFen
		st.LeftFen += p.RemainingFen()
	}
	st.UsedFen = st.BudgetFen - st.LeftFen
	err := db.Model(&models.InternshipPlace{}).Where("status = ?", workflows.PlaceOpen).
		Select("coalesce(sum(capacity), 0)").Scan(&st.Seats).Error
	if err == nil {
		err = db.Model(&models.InternshipApplication{}).
			Where("status IN ?", []string{workflows.InternshipOffered, workflows.InternshipAccepted}).Count(&st.Filled).Error
	}
	if err == nil {
		// The trigger-kept counts: a count(*) here read every verified
		// profile (9 million at 10 million students) per page view.
		st.Verified, err = models.CountInState(ctx, s.db, "onboarding", workflows.OnboardingVerified)
	}
	if err != nil {
		return s.failWith(c, fmt.Errorf("home figures: %w", err))
	}
	v := s.newView(c, "home.title")
	v.Data = st
	return s.render(c, http.StatusOK, "home", v)
}

func (s *site) registerForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "register", s.newView(c, "register.title"))
}

func (s *site) register(c echo.Context) error {
	var req api.RegisterRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "register.title")
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "register", v, problems)
	}
	if ok, _ := s.kit.AllowRegister(c.Request().Context(), c.RealIP()); !ok {
		v.Notice = v.T("login.slow")
		return s.render(c, http.StatusTooManyRequests, "register", v)
	}
	ctx := c.Request().Context()
	acct, err := accounts.Create(ctx, s.db, accounts.NewAccount{
		Email: req.Email, Password: req.Password, Name: req.Name, Role: models.RoleApplicant,
	})
	if err != nil {
		return s.submitted(c, "register", v, err)
	}
	return s.startSession(c, acct, "/dashboard")
}

func (s *site) loginForm(c echo.Context) error {
	v := s.newView(c, "login.title")
	v.Form.Set("next", c.QueryParam("next"))
	return s.render(c, http.StatusOK, "login", v)
}

func (s *site) login(c echo.Context) error {
	var req api.LoginRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "login.title")
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "login", v, problems)
	}
	if ok, _ := s.kit.AllowLogin(c.Request().Context(), c.RealIP(), accounts.NormalizeEmail(req.Email)); !ok {
		v.Notice = v.T("login.slow")
		return s.render(c, http.StatusTooManyRequests, "login", v)
	}
	acct, err := accounts.Authenticate(c.Request().Context(), s.db, req.Email, req.Password)
	if errors.Is(err, accounts.ErrBadCredentials) {
		v.Notice = v.T("login.bad")
		return s.render(c, http.StatusUnauthorized, "login", v)
	}
	if err != nil {
		return s.failWith(c, err)
	}
	return s.startSession(c, acct, form.Get("next"))
}

// startSession signs acct in (the same sessions and cookie as the API's
// login) and goes to next when it is a path on this site.
func (s *site) startSession(c echo.Context, acct models.Account, next string) error {
	tok, err := s.kit.Sessions().Start(c.Request().Context(), acct, s.kit.SessionTTL())
	if err != nil {
		return s.failWith(c, err)
	}
	s.setSessionCookie(c, tok.Value, int(s.kit.SessionTTL().Seconds()))
	return c.Redirect(http.StatusSeeOther, LocalPath(next, homeOf(acct.Role)))
}

func (s *site) logout(c echo.Context) error {
	if err := s.kit.Sessions().Revoke(c.Request().Context(), c.Get(ctxSession).(string)); err != nil {
		return s.failWith(c, err)
	}
	s.setSessionCookie(c, "", -1)
	return c.Redirect(http.StatusSeeOther, "/")
}

// LocalPath is next when it is a path on this site (so a crafted link
// cannot send a signed-in visitor elsewhere), fallback otherwise.
func LocalPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	return next
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

// verify is where a certificate's QR code points: for a browser, the page
// of the certificate as checked now (signature and revocation), never
// cached; for any other client, the API's verify JSON.
func (s *site) verify(c echo.Context) error {
	if !WantsHTML(c.Request().Header.Get(echo.HeaderAccept)) {
		return s.kit.VerifyJSON(c)
	}
	if !s.kit.AllowLookup(c.Request().Context(), c.RealIP()) {
		return s.fail(c, http.StatusTooManyRequests, "error.slow")
	}
	cert, err := s.kit.Certificate(c.Request().Context(), c.Param("serial"))
	if err != nil {
		status, _ := s.kit.Problem(err)
		if status == http.StatusNotFound {
			return s.fail(c, http.StatusNotFound, "verify.unknown")
		}
		return s.failWith(c, err)
	}
	v := s.newView(c, "verify.title")
	v.Data = cert
	return s.render(c, http.StatusOK, "verify", v)
}

// WantsHTML reports whether an Accept header asks for a web page: it names
// text/html (browsers do; API clients send application/json or nothing).
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
