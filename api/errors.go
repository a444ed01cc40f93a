package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
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

// apiError is an error that already knows its HTTP status, its code and
// its messages; the error handler renders them for the request.
type apiError struct {
	status int
	code   string
	msg    msg.Message
	fields map[string]msg.Message
}

// Error is the code and the message's code, for logs.
func (e *apiError) Error() string {
	if len(e.fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.code, e.msg, e.fields)
	}
	return e.code + ": " + e.msg.String()
}

// detail renders e with p.
func (e *apiError) detail(p i18n.Printer) ErrorDetail {
	return ErrorDetail{Code: e.code, Message: p.Render(e.msg), Fields: p.Fields(e.fields), Reason: e.msg, FieldReasons: e.fields}
}

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

// statusMessages are the messages of HTTP errors that say nothing more.
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

// newError is the error of status whose message is code (a msg constant)
// with params.
func newError(status int, code string, params ...msg.Param) *apiError {
	return &apiError{status: status, code: codes[status], msg: msg.New(code, params...)}
}

// fieldErrors is the 422 naming each field with its message.
func fieldErrors(fields map[string]msg.Message) *apiError {
	e := newError(http.StatusUnprocessableEntity, msg.ErrorValidation)
	e.fields = fields
	return e
}

// fieldError is the 422 for one field whose message is code with params.
func fieldError(field, code string, params ...msg.Param) *apiError {
	return fieldErrors(map[string]msg.Message{field: msg.New(code, params...)})
}

// queryError is the 422 for a query parameter whose message is code.
func queryError(param, code string, params ...msg.Param) *apiError {
	e := fieldError(param, code, params...)
	e.msg = msg.New(msg.ErrorBadQuery)
	return e
}

var (
	errNotFound        = newError(http.StatusNotFound, msg.ErrorNotFound)
	errUnauthenticated = newError(http.StatusUnauthorized, msg.ErrorUnauthenticated)
	errForbidden       = newError(http.StatusForbidden, msg.ErrorForbidden)
)

// printer renders messages for the request: in the best of its
// Accept-Language (English when it names neither zh nor en), times in UTC.
func (s *server) printer(c echo.Context) i18n.Printer {
	h := c.Response().Header()
	if !slices.Contains(h.Values(echo.HeaderVary), "Accept-Language") {
		h.Add(echo.HeaderVary, "Accept-Language")
	}
	return i18n.NewPrinter(i18n.Negotiate(c.Request().Header.Get("Accept-Language"), i18n.EN), time.UTC)
}

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
		err = c.JSON(e.status, ErrorBody{Error: e.detail(s.printer(c))})
	}
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "writing error response", "err", err)
	}
}

func (s *server) classify(c echo.Context, err error) *apiError {
	var ae *apiError
	var he *echo.HTTPError
	var ve *workflows.ValidationError
	var refusal *workflows.Refusal
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return fieldErrors(ve.Fields)
	case errors.As(err, &refusal) && refusalStatus(refusal.Kind) != 0:
		return &apiError{status: refusalStatus(refusal.Kind), code: codes[refusalStatus(refusal.Kind)], msg: refusal.Msg}
	case errors.Is(err, workflows.ErrNotFound), errors.Is(err, gorm.ErrRecordNotFound):
		return errNotFound
	case errors.Is(err, workflows.ErrConflict):
		return newError(http.StatusConflict, msg.ErrorConflict)
	case errors.Is(err, workflows.ErrForbidden):
		return newError(http.StatusForbidden, msg.ErrorForbidden)
	case errors.Is(err, accounts.ErrEmailTaken):
		e := newError(http.StatusConflict, msg.AuthEmailTaken)
		e.fields = map[string]msg.Message{"email": msg.New(msg.FieldAlreadyRegistered)}
		return e
	case errors.As(err, &he):
		code, ok := statusMessages[he.Code]
		if !ok {
			code = msg.ErrorHTTP
		}
		e := &apiError{status: he.Code, code: codes[he.Code], msg: msg.New(code)}
		if code == msg.ErrorHTTP {
			e.msg = msg.New(code, msg.Int("status", int64(he.Code)))
		}
		if e.code == "" {
			e.code = "error"
		}
		return e
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return newError(http.StatusServiceUnavailable, msg.ErrorUnavailable)
	case errors.As(err, &pgErr) && isUnavailable(pgErr.Code):
		return newError(http.StatusServiceUnavailable, msg.ErrorDatabaseUnavailable)
	case isConnectionError(err):
		return newError(http.StatusServiceUnavailable, msg.ErrorDatabaseUnavailable)
	}
	return newError(http.StatusInternalServerError, msg.ErrorInternal)
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

func isConnectionError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err)
}

func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
