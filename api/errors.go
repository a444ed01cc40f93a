package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// ErrorBody is the error envelope of API.md.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: the error code of API.md, the message
// and each field's message rendered in the request's language
// (Accept-Language; English when absent), and the same as codes with their
// parameters (workflows/msg), for clients that render them themselves.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Reason is the message's code and parameters.
	Reason msg.Message `json:"reason"`
	// FieldReasons are the fields' codes and parameters.
	FieldReasons map[string]msg.Message `json:"field_reasons,omitempty"`
}

// problemError is an error the API itself finds (a body that does not
// decode, a missing token): it already knows its problem.
type problemError struct {
	problem app.Problem
}

// Error is the code and the message's code, for logs.
func (e *problemError) Error() string {
	if len(e.problem.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.problem.Code, e.problem.Msg, e.problem.Fields)
	}
	return e.problem.Code + ": " + e.problem.Msg.String()
}

// HTTPStatus is the status the error answers with (the pages' error
// handler reads it to answer a browser with a page).
func (e *problemError) HTTPStatus() int { return e.problem.Status }

// newError is the error of status whose message is code (a msg constant)
// with params.
func newError(status int, code string, params ...msg.Param) error {
	return &problemError{app.NewProblem(status, code, params...)}
}

// fieldErrors is the 422 naming each field with its message.
func fieldErrors(fields map[string]msg.Message) error {
	p := app.NewProblem(http.StatusUnprocessableEntity, msg.ErrorValidation)
	p.Fields = fields
	return &problemError{p}
}

// queryError is the 422 for a query parameter whose message is code.
func queryError(param, code string, params ...msg.Param) error {
	p := app.NewProblem(http.StatusUnprocessableEntity, msg.ErrorBadQuery)
	p.Fields = map[string]msg.Message{param: msg.New(code, params...)}
	return &problemError{p}
}

var (
	errNotFound        = newError(http.StatusNotFound, msg.ErrorNotFound)
	errUnauthenticated = newError(http.StatusUnauthorized, msg.ErrorUnauthenticated)
	errForbidden       = newError(http.StatusForbidden, msg.ErrorForbidden)
)

// statusMessages are the messages of Echo's own HTTP errors.
var statusMessages = map[int]string{
	http.StatusUnauthorized:          msg.ErrorUnauthenticated,
	http.StatusForbidden:             msg.ErrorForbidden,
	http.StatusNotFound:              msg.ErrorNotFound,
	http.StatusMethodNotAllowed:      msg.ErrorMethodNotAllowed,
	http.StatusConflict:              msg.ErrorConflict,
	http.StatusRequestEntityTooLarge: msg.ErrorBodyTooLarge,
	http.StatusUnsupportedMediaType:  msg.ErrorMediaType,
	http.StatusTooManyRequests:       msg.ErrorRateLimited,
	http.StatusServiceUnavailable:    msg.ErrorUnavailable,
	http.StatusInternalServerError:   msg.ErrorInternal,
}

// problem classifies err: the API's own problems, Echo's HTTP errors, and
// the use cases' errors (app.ProblemOf).
func problem(err error) app.Problem {
	var pe *problemError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		return pe.problem
	case errors.As(err, &he):
		code, ok := statusMessages[he.Code]
		if !ok {
			p := app.NewProblem(he.Code, msg.ErrorHTTP, msg.Int("status", int64(he.Code)))
			p.Code = "error"
			return p
		}
		p := app.NewProblem(he.Code, code)
		if he.Code == http.StatusRequestEntityTooLarge {
			p.Msg = msg.New(code, msg.Int("max", maxBody))
		}
		return p
	}
	return app.ProblemOf(err)
}

// printer renders messages for the request: in the best of its
// Accept-Language (English when it names neither zh nor en), times in the
// TIME_ZONE (UTC for a request that did not pass the API's middleware).
func printer(c echo.Context) i18n.Printer {
	h := c.Response().Header()
	if !slices.Contains(h.Values(echo.HeaderVary), "Accept-Language") {
		h.Add(echo.HeaderVary, "Accept-Language")
	}
	zone, _ := c.Get(ctxZone).(*time.Location)
	return i18n.NewPrinter(i18n.Negotiate(c.Request().Header.Get("Accept-Language"), i18n.EN), zone)
}

// detail renders p for the request.
func detail(p app.Problem, pr i18n.Printer) ErrorDetail {
	return ErrorDetail{Code: p.Code, Message: pr.Render(p.Msg), Fields: pr.Fields(p.Fields), Reason: p.Msg, FieldReasons: p.Fields}
}

// errorHandler is Echo's one HTTPErrorHandler: every error leaves as the
// API.md body with the matching status.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problem(err)
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(p.RetryAfter.Seconds()))))
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(p.Status)
	} else {
		err = c.JSON(p.Status, ErrorBody{Error: detail(p, printer(c))})
	}
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "writing error response", "err", err)
	}
}
