package workflows

import (
	"errors"
	"fmt"
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

// ValidationError lists fields that break a rule, with the reason for each.
type ValidationError struct {
	Fields map[string]string
}

// Error lists the fields and their reasons.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("validation failed: %v", e.Fields)
}

// Invalid returns a ValidationError for one field.
func Invalid(field, reason string) error {
	return &ValidationError{Fields: map[string]string{field: reason}}
}
