package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// maxYuanDigits bounds the whole yuan of an amount: thirteen digits hold
// the API's largest amount (10^12 yuan) and their fen always fit an int64.
const maxYuanDigits = 13

// maxFen is the API's largest amount (amount_fen, budget_fen): 10^12 yuan.
const maxFen = 100_000_000_000_000

// Messages beside a money field.
var (
	msgYuanFormat = msg.New(msg.FieldYuan, msg.Text("example", "1234.50"))
	msgYuanRange  = msg.New(msg.FieldYuanRange, msg.Fen("min", 1), msg.Fen("max", maxFen))
)

var errYuan = errors.New("not an amount in yuan such as 1234.50")

// ParseYuan reads an amount typed in yuan ("1234", "1234.5", "1234.56",
// optionally after ¥ or ￥) as integer fen, exactly: the decimal string is
// parsed digit by digit, never through a float. More than two decimals,
// signs, exponents, separators and more than 13 whole digits are refused.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, sign := range []string{"¥", "￥"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, sign))
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxYuanDigits || len(frac) > 2 || (hasDot && frac == "") {
		return 0, errYuan
	}
	var fen int64
	for _, r := range whole + frac + strings.Repeat("0", 2-len(frac)) {
		if r < '0' || r > '9' {
			return 0, errYuan
		}
		fen = fen*10 + int64(r-'0')
	}
	return fen, nil
}

// money is a form field typed in yuan for an input field in fen.
type money struct{ yuan, fen string }

// yuanToFen reads each money field of form, typed in yuan, exactly into its
// fen twin (the use case input's field), and returns the message beside
// each yuan field that is no amount. It changes form.
func yuanToFen(form url.Values, fields ...money) map[string]msg.Message {
	problems := map[string]msg.Message{}
	for _, m := range fields {
		raw := strings.TrimSpace(form.Get(m.yuan))
		delete(form, m.fen)
		if raw == "" {
			continue // the use case says it is required
		}
		fen, err := ParseYuan(raw)
		if err != nil {
			problems[m.yuan] = msgYuanFormat
			continue
		}
		form.Set(m.fen, strconv.FormatInt(fen, 10))
	}
	return problems
}

// fenToYuan moves the messages about fen fields beside the yuan fields the
// visitor typed; a range in fen reads as a range in yuan. It changes fields.
func fenToYuan(fields map[string]msg.Message, typed url.Values, money ...money) {
	for _, m := range money {
		problem, ok := fields[m.fen]
		if !ok {
			continue
		}
		delete(fields, m.fen)
		switch problem.Code {
		case msg.FieldRequired, msg.FieldTooSmall, msg.FieldTooBig:
			if typed.Get(m.fen) != "" {
				problem = msgYuanRange // the input's range is in fen
			}
		}
		if _, seen := fields[m.yuan]; !seen {
			fields[m.yuan] = problem
		}
	}
}

// posted is a copy of the posted form, for a handler to rewrite.
func posted(c echo.Context) (url.Values, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, fmt.Errorf("read form: %w", err)
	}
	out := make(url.Values, len(form))
	for k, v := range form {
		out[k] = v
	}
	return out, nil
}

// decodeMoney decodes form, a posted form with money fields, into in, a
// use case's input: each yuan field into its fen twin, then the rest. It
// returns the message of each value that is no amount or of the wrong
// type, beside the field the visitor typed, or nil. It changes form.
func decodeMoney(form url.Values, in any, fields ...money) map[string]msg.Message {
	problems := yuanToFen(form, fields...)
	for k, m := range DecodeForm(form, in) {
		problems[k] = m
	}
	fenToYuan(problems, form, fields...)
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// submittedMoney is submitted for a form with money fields: the use case's
// messages about fen fields show beside the yuan fields.
func (s *site) submittedMoney(c echo.Context, name string, v view, err error, form url.Values, fields ...money) error {
	p := app.ProblemOf(err)
	if len(p.Fields) == 0 {
		return s.submitted(c, name, v, err)
	}
	fenToYuan(p.Fields, form, fields...)
	return s.formProblem(c, name, v, p.Fields)
}
