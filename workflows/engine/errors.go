package engine

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Sentinel errors of the domain. The edges map them to HTTP statuses.
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
// runner records it and archives the task (visible, and re-runnable, in
// Asynqmon).
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

// DecodePayload decodes a task payload; a payload that does not decode is a
// permanent error.
func DecodePayload(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return Permanent(fmt.Errorf("decode payload: %w", err))
	}
	return nil
}
