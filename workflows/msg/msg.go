// Package msg holds what the domain tells people: a stable code and typed
// parameters, never a sentence. Only the edge (the API's error handler and
// the pages, through internal/i18n) renders a Message, in the reader's
// language and time zone.
//
// The codes are the constants of codes.go: dotted lower_snake names, the
// first part naming the area ("field", "error", "onboarding", "shop",
// "fund", "internship", "training", "certificate", "auth", "college").
// A code is part of the API's contract: keep it stable, add new ones.
//
// This package imports nothing of ours, so that every layer may use it.
package msg

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Message is something to tell a person: a stable code and typed parameters. Only the edge renders it.
type Message struct {
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

// Param is one named parameter of a Message; build it with Fen, Int, Time,
// Text or Texts so that its value has a type the edge knows how to show.
type Param struct {
	Name  string
	Value any
}

// New is the message code with params. A later param of the same name
// replaces an earlier one.
func New(code string, params ...Param) Message {
	m := Message{Code: code}
	if len(params) > 0 {
		m.Params = make(map[string]any, len(params))
		for _, p := range params {
			m.Params[p.Name] = p.Value
		}
	}
	return m
}

// Fen is an amount of money in fen (int64; shown as yuan).
func Fen(name string, fen int64) Param { return Param{Name: name, Value: fen} }

// Int is a count or a limit (int64).
func Int(name string, n int64) Param { return Param{Name: name, Value: n} }

// Time is an instant (kept in UTC; shown in the reader's time zone).
func Time(name string, t time.Time) Param { return Param{Name: name, Value: t.UTC()} }

// Text is a proper name, a domain, a serial, an id or what a person typed:
// text shown as it is, never an English sentence.
func Text(name, s string) Param { return Param{Name: name, Value: s} }

// Texts is a list of Text values (shown joined in the reader's language).
func Texts(name string, s []string) Param {
	return Param{Name: name, Value: append([]string{}, s...)}
}

// IsZero reports whether m is the zero Message (no code).
func (m Message) IsZero() bool { return m.Code == "" }

// String is the code and its parameters, sorted by name, for logs and
// tests: "fund.amount_over_cap{max=800000}". It is not for people.
func (m Message) String() string {
	if len(m.Params) == 0 {
		return m.Code
	}
	names := make([]string, 0, len(m.Params))
	for k := range m.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(m.Code)
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := m.Params[k]
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s=%v", k, v)
	}
	b.WriteByte('}')
	return b.String()
}
