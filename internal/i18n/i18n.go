// Package i18n renders the domain's messages (workflows/msg) into
// sentences for people, per language and time zone. It is the edge's
// renderer: only the API and the pages import it; the domain and the
// workers keep codes and parameters.
//
// Each language has a catalog mapping every message code to a template,
// served through a golang.org/x/text/message catalog (catalog.go), which
// also picks English plural forms ("1 item", "2 items").
// A template names its parameters in braces, with an optional kind that
// says how to show the value:
//
//	{name}        as it is: text, a whole number, a list, a time
//	{name:money}  an amount in fen, shown in yuan ("8,000.00 yuan", "8,000.00 元")
//	{name:time}   an instant, "2006-01-02 15:04" in the printer's zone, with the zone
//	{name:list}   a list, joined the language's way
//	{name:state}  a workflow state ("needs_info"), named in the language
//
// Parameters may arrive as the msg constructors made them or after a JSON
// round trip (reasons stored in Postgres): numbers as float64, times as
// RFC 3339 strings, lists as []any. A missing parameter shows as "…"; an
// unknown code shows itself. Rendering never panics.
package i18n

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Lang is a language people read.
type Lang string

// The languages of the catalogs.
const (
	EN Lang = "en"
	ZH Lang = "zh"
)

// Langs are the languages with a catalog.
var Langs = []Lang{EN, ZH}

// Parse reads a language name ("en", "zh", or a tag such as "zh-CN");
// ok is false for any other.
func Parse(s string) (Lang, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	switch Lang(primary) {
	case EN:
		return EN, true
	case ZH:
		return ZH, true
	}
	return "", false
}

// Negotiate picks the best of zh and en in an Accept-Language header by
// quality (the first listed wins a tie; a malformed quality counts as 0);
// fallback when it names neither.
func Negotiate(acceptLanguage string, fallback Lang) Lang {
	best, bestQ := fallback, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				q = parseQ(v)
			}
		}
		if lang, ok := Parse(tag); ok && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// parseQ reads an HTTP quality value ("0.8"); anything else counts as 0.
func parseQ(v string) float64 {
	q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || q < 0 || q > 1 || math.IsNaN(q) {
		return 0
	}
	return q
}

// Printer renders messages in one language and time zone. The zero value
// prints English in UTC.
type Printer struct {
	lang Lang
	loc  *time.Location
}

// NewPrinter prints in lang (English when it has no catalog) and shows
// times in loc (UTC when nil).
func NewPrinter(lang Lang, loc *time.Location) Printer {
	if _, ok := catalogs[lang]; !ok {
		lang = EN
	}
	return Printer{lang: lang, loc: loc}
}

// Lang is the printer's language.
func (p Printer) Lang() Lang {
	if p.lang == "" {
		return EN
	}
	return p.lang
}

func (p Printer) location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// Missing is what a placeholder shows when its parameter is absent.
const Missing = "…"

// Has reports whether code has a template in the printer's language.
func (p Printer) Has(code string) bool {
	_, ok := catalogs[p.Lang()][code]
	return ok
}

// Render is m as a sentence (or, for field messages, the rest of one) in
// the printer's language.
func (p Printer) Render(m msg.Message) string {
	tmpl, ok := p.template(m)
	if !ok {
		return m.Code
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			break
		}
		b.WriteString(tmpl[:open])
		name, kind, _ := strings.Cut(tmpl[open+1:open+end], ":")
		b.WriteString(p.value(m.Params[name], kind))
		tmpl = tmpl[open+end+1:]
	}
	b.WriteString(tmpl)
	return b.String()
}

// Fields renders each field's message.
func (p Printer) Fields(fields map[string]msg.Message) map[string]string {
	if fields == nil {
		return nil
	}
	out := make(map[string]string, len(fields))
	for f, m := range fields {
		out[f] = p.Render(m)
	}
	return out
}

// value shows v, a parameter, as kind says.
func (p Printer) value(v any, kind string) string {
	if v == nil {
		return Missing
	}
	switch kind {
	case "money":
		if fen, ok := asInt(v); ok {
			return p.Money(fen)
		}
	case "time":
		if t, ok := asTime(v); ok {
			return p.Time(t)
		}
	case "state":
		if s, ok := v.(string); ok {
			return p.State(s)
		}
	case "entity":
		if s, ok := v.(string); ok {
			return p.Entity(s)
		}
	case "list":
		if items, ok := asList(v); ok {
			return p.List(items)
		}
	}
	return p.plain(v)
}

// plain shows v by its own type.
func (p Printer) plain(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return p.Time(x)
	case []string, []any:
		items, _ := asList(x)
		return p.List(items)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	if n, ok := asInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if f, ok := v.(float32); ok {
		return strconv.FormatFloat(float64(f), 'f', -1, 32)
	}
	return fmt.Sprint(v)
}

// Money shows an amount of fen in yuan with two decimals and thousands
// separators: "8,000.00 yuan", "8,000.00 元".
func (p Printer) Money(fen int64) string {
	unit := " yuan"
	if p.Lang() == ZH {
		unit = " 元"
	}
	return Yuan(fen) + unit
}

// Yuan is an amount of fen as yuan, with two decimals and thousands
// separators and no unit: "12,345.67".
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-(fen+1))+1 // math.MinInt64 too
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, ".%02d", u%100)
	return b.String()
}

// TimeLayout is how times are shown, before the zone.
const TimeLayout = "2006-01-02 15:04"

// zhTimeLayout is how Chinese text shows times, before the zone.
const zhTimeLayout = "2006年1月2日 15:04"

// beijingOffset is UTC+8, which Chinese calls Beijing time.
const beijingOffset = 8 * 3600

// Time shows t in the printer's zone: in English "2026-09-01 08:00 UTC",
// "2026-09-01 16:00 UTC+08:00"; in Chinese "2026年9月1日 16:00（北京时间）",
// "2026年9月1日 08:00（UTC）".
func (p Printer) Time(t time.Time) string {
	t = t.In(p.location())
	_, offset := t.Zone()
	zone := "UTC"
	if offset != 0 {
		sign, abs := "+", offset
		if offset < 0 {
			sign, abs = "-", -offset
		}
		zone = fmt.Sprintf("UTC%s%02d:%02d", sign, abs/3600, abs%3600/60)
	}
	if p.Lang() != ZH {
		return t.Format(TimeLayout) + " " + zone
	}
	if offset == beijingOffset {
		zone = "北京时间"
	}
	return t.Format(zhTimeLayout) + "（" + zone + "）"
}

// List joins items the language's way: "a, b, c" or "a、b、c".
func (p Printer) List(items []string) string {
	if p.Lang() == ZH {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// State names a workflow state ("needs_info") in the printer's language;
// an unknown state shows as it is.
func (p Printer) State(state string) string {
	if s, ok := states[p.Lang()][state]; ok {
		return s
	}
	return state
}

// asInt reads a whole number: an integer type, or a float64 or json.Number
// without a fraction (as JSON decoding gives them).
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case float64:
		// Every float64 in this range converts exactly; 2^63 itself does not fit.
		if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// asTime reads an instant: a time.Time, an RFC 3339 string, or seconds
// since the Unix epoch.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	}
	if n, ok := asInt(v); ok && n > -1<<40 && n < 1<<40 {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// asList reads a list of values, each shown plainly.
func asList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		items := make([]string, len(x))
		for i, item := range x {
			switch s := item.(type) {
			case string:
				items[i] = s
			case nil:
				items[i] = Missing
			default:
				if n, ok := asInt(s); ok {
					items[i] = strconv.FormatInt(n, 10)
				} else {
					items[i] = fmt.Sprint(s)
				}
			}
		}
		return items, true
	case string:
		return []string{x}, true
	}
	return nil, false
}
