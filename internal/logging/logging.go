// Package logging builds campusbiz's slog logger, which masks personal data
// and secrets wherever they would be logged.
package logging

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// sensitiveKeys are attribute names whose values are never written.
var sensitiveKeys = map[string]bool{
	"phone": true, "student_number": true, "password": true, "token": true,
	"authorization": true, "cookie": true, "college_email": true, "email": true,
}

// phonePattern matches mainland mobile numbers standing alone.
var phonePattern = regexp.MustCompile(`\b1[3-9][0-9]{9}\b`)

// New returns a JSON logger at level ("debug", "info", "warn", "error")
// that masks sensitive attributes and phone numbers in any string.
func New(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: Mask}))
}

// Mask is a slog ReplaceAttr function that hides secrets and personal data.
func Mask(_ []string, a slog.Attr) slog.Attr {
	if sensitiveKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[masked]")
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); phonePattern.MatchString(s) {
			return slog.String(a.Key, phonePattern.ReplaceAllString(s, "[phone]"))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && phonePattern.MatchString(err.Error()) {
			return slog.String(a.Key, phonePattern.ReplaceAllString(err.Error(), "[phone]"))
		}
	}
	return a
}
