package workflows

import (
	"errors"
	"fmt"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Sentinel errors of the domain. The API maps them to HTTP statuses.
var (
	// ErrNotFound: the entity does not exist or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the entity's state does not allow the request.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller may see the entity but not do this to it.
	ErrForbidden = errors.New("forbidden")
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: bad data or a broken rule. The
// worker records it and archives the task (visible, and re-runnable, in Asynqmon).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

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
}

// Error is the kind, the code and the params, for logs.
func (r *Refusal) Error() string { return r.Kind.Error() + ": " + r.Msg.String() }

// Unwrap is the kind, so errors.Is(err, ErrConflict) holds for a conflict.
func (r *Refusal) Unwrap() error { return r.Kind }

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
	return Permanent(&Failure{Msg: msg.New(code, params...), Err: cause})
}

// FailureMessage is the message of the Failure in err's chain, if any.
func FailureMessage(err error) (msg.Message, bool) {
	var f *Failure
	if errors.As(err, &f) {
		return f.Msg, true
	}
	return msg.Message{}, false
}
