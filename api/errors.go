package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// ErrorBody is the error envelope of API.md.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiError is an error that already knows its HTTP status and body.
type apiError struct {
	status int
	detail ErrorDetail
}

func (e *apiError) Error() string { return e.detail.Message }

// codes maps statuses to the error codes of API.md.
var codes = map[int]string{
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

func newError(status int, message string) *apiError {
	return &apiError{status: status, detail: ErrorDetail{Code: codes[status], Message: message}}
}

func fieldErrors(fields map[string]string) *apiError {
	e := newError(http.StatusUnprocessableEntity, "some fields are not valid")
	e.detail.Fields = fields
	return e
}

var (
	errNotFound        = newError(http.StatusNotFound, "not found")
	errUnauthenticated = newError(http.StatusUnauthorized, "sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/login")
	errForbidden       = newError(http.StatusForbidden, "your role may not do this")
)

// errorHandler is Echo's one HTTPErrorHandler: every error leaves as the
// API.md body with the matching status.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := s.classify(c, err)
	if e.status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", "err", err, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(e.status)
	} else {
		err = c.JSON(e.status, ErrorBody{Error: e.detail})
	}
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "writing error response", "err", err)
	}
}

func (s *server) classify(c echo.Context, err error) *apiError {
	var ae *apiError
	var he *echo.HTTPError
	var ve *workflows.ValidationError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return fieldErrors(ve.Fields)
	case errors.Is(err, workflows.ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		return errNotFound
	case errors.Is(err, workflows.ErrConflict):
		return newError(http.StatusConflict, err.Error())
	case errors.Is(err, workflows.ErrForbidden):
		return newError(http.StatusForbidden, err.Error())
	case errors.Is(err, accounts.ErrEmailTaken):
		return &apiError{status: http.StatusConflict, detail: ErrorDetail{
			Code: "conflict", Message: "this e-mail is already registered", Fields: map[string]string{"email": "is already registered"}}}
	case errors.As(err, &he):
		msg, _ := he.Message.(string)
		if he.Code == http.StatusRequestEntityTooLarge {
			msg = "the request body is larger than 1 MiB"
		}
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		if _, ok := codes[he.Code]; !ok {
			return &apiError{status: he.Code, detail: ErrorDetail{Code: "error", Message: msg}}
		}
		return newError(he.Code, msg)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return newError(http.StatusServiceUnavailable, "the service is busy or a dependency is down; try again shortly")
	case errors.As(err, &pgErr) && isUnavailable(pgErr.Code):
		return newError(http.StatusServiceUnavailable, "the database is unavailable; try again shortly")
	case isConnectionError(err):
		return newError(http.StatusServiceUnavailable, "the database is unavailable; try again shortly")
	}
	return newError(http.StatusInternalServerError, "internal error; the request id in X-Request-Id helps us find it")
}

// isUnavailable reports SQLSTATEs that mean "try later": connection
// exceptions (08), insufficient resources (53), operator intervention (57).
func isUnavailable(code string) bool {
	return len(code) == 5 && (code[:2] == "08" || code[:2] == "53" || code[:2] == "57")
}

func isConnectionError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err)
}

func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
