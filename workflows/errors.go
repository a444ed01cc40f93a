package workflows

import (
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Sentinel errors of the domain. The API maps them to HTTP statuses.
// They are the engine's, so that errors.Is matches a state machine's refusal.
var (
	// ErrNotFound: the entity does not exist or the caller may not see it.
	ErrNotFound = engine.ErrNotFound
	// ErrConflict: the entity's state does not allow the request.
	ErrConflict = engine.ErrConflict
	// ErrForbidden: the caller may see the entity but not do this to it.
	ErrForbidden = engine.ErrForbidden
)

// ValidationError lists fields that break a rule, with the message saying
// why for each (a msg code, rendered by the edge).
type ValidationError struct {
	Fields map[string]msg.Message
}

// Error lists the fields and their codes, for logs.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("validation failed: %v", e.Fields)
}

// Invalid returns a ValidationError for one field: code (a msg constant)
// with params says why.
func Invalid(field, code string, params ...msg.Param) error {
	return &ValidationError{Fields: map[string]msg.Message{field: msg.New(code, params...)}}
}

// Refusal is a domain refusal: its kind (ErrConflict, ErrForbidden, ErrNotFound) and the message saying why.
type Refusal struct {
	Kind error
	Msg  msg.Message
	// Field, when set, names the input field the refusal is about (an
	// e-mail address already registered, a name already taken), so that
	// the edge can show it beside that field.
	Field string
}

// Error is the kind, the code and the params, for logs.
func (r *Refusal) Error() string { return r.Kind.Error() + ": " + r.Msg.String() }

// Unwrap is the kind, so errors.Is(err, ErrConflict) holds for a conflict.
func (r *Refusal) Unwrap() error { return r.Kind }

// RefuseField is a Refusal about the input field field.
func RefuseField(kind error, field, code string, params ...msg.Param) error {
	return &Refusal{Kind: kind, Msg: msg.New(code, params...), Field: field}
}

// Refuse is a Refusal of kind (ErrConflict, ErrForbidden or ErrNotFound)
// whose message is code (a msg constant) with params.
func Refuse(kind error, code string, params ...msg.Param) error {
	return &Refusal{Kind: kind, Msg: msg.New(code, params...)}
}

// Failure is a task's failure that people read: the message saying why,
// recorded on the entity by the task's failure hook, and the error behind
// it for logs (nil when there is none).
type Failure struct {
	Msg msg.Message
	Err error
}

// Error is the code and params, then the cause, for logs.
func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Msg.String()
	}
	return f.Msg.String() + ": " + f.Err.Error()
}

// Unwrap is the cause.
func (f *Failure) Unwrap() error { return f.Err }

// Fail is a permanent failure (see Permanent) whose message for people is
// code with params; cause, which may be nil, is kept for logs.
func Fail(cause error, code string, params ...msg.Param) error {
	return engine.Permanent(&Failure{Msg: msg.New(code, params...), Err: cause})
}

// FailureMessage is the message of the Failure in err's chain, if any.
func FailureMessage(err error) (msg.Message, bool) {
	var f *Failure
	if errors.As(err, &f) {
		return f.Msg, true
	}
	return msg.Message{}, false
}
