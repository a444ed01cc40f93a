package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/labstack/echo/v4"
)

// htmlErrors wraps e's error handler (the JSON API's): a browser's request
// (one that accepts text/html and carries no bearer token), outside the
// JSON API, gets an error page in its language instead of a JSON body;
// one that must sign in first (anonymous /monitoring) is sent to the
// sign-in page, as the pages' own routes do. API clients keep the JSON.
func (s *site) htmlErrors(e *echo.Echo) {
	jsonErrors := e.HTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		req := c.Request()
		if c.Response().Committed || req.Method == http.MethodHead || strings.HasPrefix(req.URL.Path, "/api/") ||
			bearerSent(req) || !WantsHTML(req.Header.Get(echo.HeaderAccept)) {
			jsonErrors(err, c)
			return
		}
		// The router's 404 and 405 run no group middleware: set the page's
		// language, session and CSRF nonce as a page would have them.
		page := s.language(s.session(func(c echo.Context) error { return s.errorPage(c, err) }))
		if perr := page(c); perr != nil {
			jsonErrors(err, c)
		}
	}
}

// errorPage answers err as a page: sign-in for a 401 on a GET, otherwise
// the error page with the status and a message in the page's language
// (server errors say only that, with the request id to quote).
func (s *site) errorPage(c echo.Context, err error) error {
	status := app.ProblemOf(err).Status
	var he *echo.HTTPError
	var adapter statusError
	switch {
	case errors.As(err, &he):
		status = he.Code
	case errors.As(err, &adapter): // the JSON API's middleware refused it
		status = adapter.HTTPStatus()
		he = echo.NewHTTPError(status)
	}
	switch {
	case status == http.StatusUnauthorized && c.Request().Method == http.MethodGet:
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
	case status == http.StatusNotFound:
		return s.fail(c, status, "error.notfound")
	case status == http.StatusForbidden:
		return s.fail(c, status, "error.forbidden")
	case status == http.StatusUnauthorized:
		return s.fail(c, status, "error.signin")
	case he != nil && status < http.StatusInternalServerError:
		return s.fail(c, status, "error.request")
	case he != nil:
		s.log.ErrorContext(c.Request().Context(), "page failed", "err", err, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return s.failInternal(c, status)
	}
	return s.failWith(c, err)
}

// statusError is an error that knows its HTTP status (the JSON API's
// errors do).
type statusError interface {
	error
	HTTPStatus() int
}

// failInternal shows the error page of a server error: a message that says
// only that, and the request id, which the logs carry too.
func (s *site) failInternal(c echo.Context, status int) error {
	v := s.newView(c, "error.title")
	v.Notice = v.T("error.internal")
	v.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	return s.render(c, status, "error", v)
}

// bearerSent reports whether the request signs in with a bearer token, as
// API clients do.
func bearerSent(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	return strings.EqualFold(scheme, "Bearer")
}
