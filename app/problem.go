package app

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Problem is what a use case's error means to whoever asked: the HTTP
// status and error code of API.md, the message saying why, and a message
// per input field. The JSON API and the pages both answer through it, so
// an error means the same in either; each renders the messages in its
// reader's language.
type Problem struct {
	// Status is the HTTP status (400 … 503).
	Status int
	// Code is API.md's error code: bad_request, unauthenticated, forbidden,
	// not_found, conflict, too_large, validation_failed, rate_limited,
	// unavailable or internal.
	Code string
	// Msg says why.
	Msg msg.Message
	// Fields say what is wrong with each input field, when the problem is
	// about fields.
	Fields map[string]msg.Message
	// RetryAfter, for a rate limit, says when to try again.
	RetryAfter time.Duration
}

// Codes are API.md's error codes by HTTP status.
var Codes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_failed",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusInternalServerError:   "internal",
}

// NewProblem is the problem of status whose message is code with params.
func NewProblem(status int, code string, params ...msg.Param) Problem {
	return Problem{Status: status, Code: Codes[status], Msg: msg.New(code, params...)}
}

// ProblemOf classifies err, an error of a use case: domain refusals and
// validation errors keep their messages; a database that does not answer
// is 503; anything else is an internal error (500), whose cause only the
// logs see.
func ProblemOf(err error) Problem {
	var ve *workflows.ValidationError
	var refusal *workflows.Refusal
	var limited *RateLimitedError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &ve):
		p := NewProblem(http.StatusUnprocessableEntity, msg.ErrorValidation)
		p.Fields = ve.Fields
		return p
	case errors.As(err, &refusal) && refusalStatus(refusal.Kind) != 0:
		status := refusalStatus(refusal.Kind)
		p := Problem{Status: status, Code: Codes[status], Msg: refusal.Msg}
		if refusal.Field != "" {
			p.Fields = map[string]msg.Message{refusal.Field: refusal.Msg}
		}
		return p
	case errors.As(err, &limited):
		p := NewProblem(http.StatusTooManyRequests, msg.ErrorRateLimited)
		p.RetryAfter = limited.Wait
		return p
	case errors.Is(err, accounts.ErrBusy):
		p := NewProblem(http.StatusServiceUnavailable, msg.ErrorUnavailable)
		p.RetryAfter = accounts.HashRetryAfter
		return p
	case errors.Is(err, ErrBadCredentials):
		return NewProblem(http.StatusUnauthorized, msg.AuthBadCredentials)
	case errors.Is(err, ErrInvalidToken):
		return NewProblem(http.StatusUnauthorized, msg.AuthTokenInvalid)
	case errors.Is(err, workflows.ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		return NewProblem(http.StatusNotFound, msg.ErrorNotFound)
	case errors.Is(err, workflows.ErrConflict):
		return NewProblem(http.StatusConflict, msg.ErrorConflict)
	case errors.Is(err, workflows.ErrForbidden):
		return NewProblem(http.StatusForbidden, msg.ErrorForbidden)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return NewProblem(http.StatusServiceUnavailable, msg.ErrorUnavailable)
	case errors.As(err, &pgErr) && isUnavailable(pgErr.Code), isConnectionError(err):
		return NewProblem(http.StatusServiceUnavailable, msg.ErrorDatabaseUnavailable)
	}
	return NewProblem(http.StatusInternalServerError, msg.ErrorInternal)
}

// refusalStatus is the HTTP status of a domain refusal's kind (0: none).
func refusalStatus(kind error) int {
	switch {
	case errors.Is(kind, workflows.ErrConflict):
		return http.StatusConflict
	case errors.Is(kind, workflows.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(kind, workflows.ErrNotFound):
		return http.StatusNotFound
	}
	return 0
}

// isUnavailable reports SQLSTATEs that mean "try later": connection
// exceptions (08), insufficient resources (53), operator intervention (57).
func isUnavailable(code string) bool {
	return len(code) == 5 && (code[:2] == "08" || code[:2] == "53" || code[:2] == "57")
}

// isConnectionError reports a failure to reach Postgres. A connection that
// broke mid-statement (io.ErrUnexpectedEOF, a reset: the server died, as in
// a failover) counts too: whether the statement committed is unknown, and
// every use case is safe to try again (a duplicate is refused).
func isConnectionError(err error) bool {
	var ce *pgconn.ConnectError
	var ne *net.OpError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.As(err, &ne)
}
