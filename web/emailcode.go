package web

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/labstack/echo/v4"
)

// confirmEmailCode posts the code form of the onboarding page: verified,
// the applicant goes to the dashboard; a wrong, lapsed or burnt code shows
// beside the field.
func (s *site) confirmEmailCode(c echo.Context) error {
	var in app.EmailCodeInput
	return s.onboardingAction(c, &in, "code", func(profileID string) error {
		_, err := s.app.ConfirmEmailCode(c.Request().Context(), actor(c), profileID, in)
		return err
	}, func(view) error { return c.Redirect(http.StatusSeeOther, "/dashboard") })
}

// onboardingAction runs one of the onboarding page's smaller forms (the
// code, the dispute): it binds the form into in, keeping the value of
// field for the page, calls do with the applicant's profile and answers as
// every form does (messages beside the fields, the notice); done answers
// a success.
func (s *site) onboardingAction(c echo.Context, in any, field string, do func(profileID string) error, done func(v view) error) error {
	v, err := s.onboardingFilled(c)
	if err != nil {
		return s.failWith(c, err)
	}
	page := v.Data.(onboardingPage)
	if page.Profile == nil {
		return c.Redirect(http.StatusSeeOther, "/onboarding")
	}
	form, problems, err := s.bind(c, in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form.Set(field, form.Get(field))
	if problems != nil {
		return s.formProblem(c, "onboarding", v, problems)
	}
	if err := do(page.Profile.ID); err != nil {
		return s.submitted(c, "onboarding", v, err)
	}
	return done(v)
}

// resendEmailCode posts the onboarding page's re-send button; over the
// limit, the page says how long to wait (429 with Retry-After).
func (s *site) resendEmailCode(c echo.Context) error {
	v, err := s.onboardingFilled(c)
	if err != nil {
		return s.failWith(c, err)
	}
	page := v.Data.(onboardingPage)
	if page.Profile == nil {
		return c.Redirect(http.StatusSeeOther, "/onboarding")
	}
	_, err = s.app.ResendEmailCode(c.Request().Context(), actor(c), page.Profile.ID)
	var limited *app.RateLimitedError
	switch {
	case errors.As(err, &limited):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(limited.Wait.Seconds()))))
		v.Notice = v.Say(app.ProblemOf(err).Msg)
		return s.render(c, http.StatusTooManyRequests, "onboarding", v)
	case err != nil:
		return s.submitted(c, "onboarding", v, err)
	}
	v.Notice = v.T("emailcode.resent")
	return s.render(c, http.StatusOK, "onboarding", v)
}

// devMailboxPage is what /dev/mailbox shows: the newest e-mail first.
type devMailboxPage struct {
	Messages []mailsink.Message
}

// devMailbox shows dev's mailbox (registered only by dev without SMTP_URL).
func (s *site) devMailbox(c echo.Context) error {
	v := s.newView(c, "devmail.title")
	msgs := s.mailbox.Messages()
	slices.Reverse(msgs)
	v.Data = devMailboxPage{Messages: msgs}
	return s.render(c, http.StatusOK, "dev_mailbox", v)
}
