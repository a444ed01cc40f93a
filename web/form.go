package web

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// DecodeForm fills v, a pointer to a use case's input (package app), from
// form values named by the fields' JSON names, so that a page's form is
// checked by the very rules the JSON API's body is. Text is trimmed of
// surrounding space, and bytes that are not UTF-8 read as U+FFFD, as the
// API's JSON decoder reads them (the database refuses them); an empty
// value leaves its field zero (the use case then says msg.FieldRequired).
// It returns the message of each value of the wrong type; other values
// are ignored, like the CSRF token.
func DecodeForm(values url.Values, v any) map[string]msg.Message {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("DecodeForm: %T is not a pointer to a struct", v)) // a programming error
	}
	rv = rv.Elem()
	problems := map[string]msg.Message{}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		raw := values[name]
		if len(raw) == 0 {
			continue
		}
		if err := setField(rv.Field(i), raw); err != nil {
			problems[name] = app.TypeMessage(f.Type)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// setField stores the form values raw in field.
func setField(field reflect.Value, raw []string) error {
	t := field.Type()
	if t.Kind() == reflect.Slice {
		if t.Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list of %s", t.Elem())
		}
		list := reflect.MakeSlice(t, 0, len(raw))
		for _, r := range raw {
			if r = formText(r); r != "" {
				list = reflect.Append(list, reflect.ValueOf(r).Convert(t.Elem()))
			}
		}
		field.Set(list)
		return nil
	}
	text := formText(raw[0])
	if text == "" {
		return nil
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := setScalar(p.Elem(), text); err != nil {
			return err
		}
		field.Set(p)
		return nil
	}
	return setScalar(field, text)
}

// formText is a posted value as an input holds it: valid UTF-8 (a run of
// bytes that are not reads as U+FFFD), without surrounding space.
func formText(raw string) string {
	return strings.TrimSpace(strings.ToValidUTF8(raw, "\uFFFD"))
}

func setScalar(field reflect.Value, text string) error {
	switch field.Kind() {
	case reflect.String:
		field.SetString(text)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, field.Type().Bits())
		if err != nil {
			return fmt.Errorf("parse %q: %w", text, err)
		}
		field.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(text, field.Type().Bits())
		if err != nil {
			return fmt.Errorf("parse %q: %w", text, err)
		}
		field.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("parse %q: %w", text, err)
		}
		field.SetBool(b)
	default:
		return fmt.Errorf("unsupported field kind %s", field.Kind())
	}
	return nil
}
