package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

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

// money is a form field typed in yuan for a request field in fen.
type money struct{ yuan, fen string }

// checkMoney is check for a form with fields typed in yuan: each is read
// exactly into its fen twin (the request type's field) before the API's
// rules run, and every message about a fen field shows beside the yuan
// field the visitor typed. It changes form.
func (s *site) checkMoney(form url.Values, req any, fields ...money) (map[string]msg.Message, error) {
	problems := map[string]msg.Message{}
	for _, m := range fields {
		raw := strings.TrimSpace(form.Get(m.yuan))
		delete(form, m.fen)
		if raw == "" {
			continue // the API says "is required"
		}
		fen, err := ParseYuan(raw)
		if err != nil {
			problems[m.yuan] = msgYuanFormat
			continue
		}
		form.Set(m.fen, strconv.FormatInt(fen, 10))
	}
	more, err := s.check(form, req)
	if err != nil {
		return nil, err
	}
	for _, m := range fields {
		problem, ok := more[m.fen]
		if !ok {
			continue
		}
		delete(more, m.fen)
		switch problem.Code {
		case msg.FieldRequired, msg.FieldTooSmall, msg.FieldTooBig:
			if form.Get(m.fen) != "" {
				problem = msgYuanRange // the API's range is in fen
			}
		}
		if _, seen := problems[m.yuan]; !seen {
			problems[m.yuan] = problem
		}
	}
	for k, problem := range more {
		problems[k] = problem
	}
	if len(problems) == 0 {
		return nil, nil
	}
	return problems, nil
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
