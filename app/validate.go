package app

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/go-playground/validator/v10"
	"github.com/go-playground/validator/v10/non-standard/validators"
)

// The inputs of the use cases carry their shape rules as validate tags,
// and their fields are named by their JSON names, which the pages' forms
// share: a field's message names the same field in either adapter.

// newValidator returns a validator that names fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	// notblank: text of spaces only is as good as none (it is stored
	// trimmed).
	mustRegister(v, "notblank", validators.NotBlank)
	mustRegister(v, "cnmobile", func(fl validator.FieldLevel) bool {
		return mobilePattern.MatchString(fl.Field().String())
	})
	mustRegister(v, "nocontrol", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool {
			return unicode.IsControl(r) && r != '\n' && r != '\t'
		})
	})
	return v
}

var mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func mustRegister(v *validator.Validate, tag string, fn validator.Func) {
	if err := v.RegisterValidation(tag, fn); err != nil {
		panic(fmt.Sprintf("register validation %s: %v", tag, err)) // a programming error
	}
}

// validate checks in by its tags; a broken rule is a
// *workflows.ValidationError with a coded message per field.
//
// Before the tags, every text field of in (nested ones too) must be text
// Postgres can store: valid UTF-8 without NUL. Whatever field rules say,
// such text is a validation error on its field, never a database error.
func (a *App) validate(in any) error {
	fields := map[string]msg.Message{}
	unstorableText(reflect.ValueOf(in), "", fields)
	err := a.validator.Struct(in)
	var verrs validator.ValidationErrors
	if err != nil && !errors.As(err, &verrs) {
		return fmt.Errorf("validate: %w", err)
	}
	for _, fe := range verrs {
		if _, seen := fields[fe.Field()]; !seen {
			fields[fe.Field()] = fieldMessage(fe)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &workflows.ValidationError{Fields: fields}
}

// Storable reports whether s is text Postgres can store: valid UTF-8
// without NUL.
func Storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// unstorableText adds field.control_chars for each string in v (a struct,
// pointer, slice or map, walked to the leaves) that is not Storable, under
// its field's JSON name (name for a string outside a struct).
func unstorableText(v reflect.Value, name string, fields map[string]msg.Message) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			unstorableText(v.Elem(), name, fields)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				field, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if field == "" || field == "-" {
					field = name
				}
				unstorableText(v.Field(i), field, fields)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			unstorableText(v.Index(i), name, fields)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			unstorableText(it.Key(), name, fields)
			unstorableText(it.Value(), name, fields)
		}
	case reflect.String:
		if !Storable(v.String()) {
			fields[name] = msg.New(msg.FieldControlChars)
		}
	}
}

// fieldMessage is the coded message of the rule a field broke.
func fieldMessage(fe validator.FieldError) msg.Message {
	n, _ := strconv.ParseInt(fe.Param(), 10, 64)
	switch fe.Tag() {
	case "required":
		return msg.New(msg.FieldRequired)
	case "notblank":
		return msg.New(msg.FieldBlank)
	case "email":
		return msg.New(msg.FieldEmail)
	case "uuid":
		return msg.New(msg.FieldID)
	case "min":
		switch fe.Kind() {
		case reflect.String:
			return msg.New(msg.FieldTooShort, msg.Int("min", n))
		case reflect.Slice:
			return msg.New(msg.FieldTooFew, msg.Int("min", n))
		}
		return msg.New(msg.FieldTooSmall, msg.Int("min", n))
	case "max":
		switch fe.Kind() {
		case reflect.String:
			return msg.New(msg.FieldTooLong, msg.Int("max", n))
		case reflect.Slice:
			return msg.New(msg.FieldTooMany, msg.Int("max", n))
		}
		return msg.New(msg.FieldTooBig, msg.Int("max", n))
	case "oneof":
		return msg.New(msg.FieldOneOf, msg.Texts("values", strings.Fields(fe.Param())))
	case "cnmobile":
		return msg.New(msg.FieldMobile, msg.Text("example", "13812345678"))
	case "url", "http_url":
		return msg.New(msg.FieldURL)
	case "fqdn", "hostname":
		return msg.New(msg.FieldDomain)
	case "datetime":
		return msg.New(msg.FieldDate, msg.Text("example", "2026-09-01"))
	case "nocontrol", "printascii":
		return msg.New(msg.FieldControlChars)
	}
	return msg.New(msg.FieldInvalid, msg.Text("rule", fe.Tag()))
}

// TypeMessage is the coded message for a field whose value is not of type
// t: what the adapters say when a JSON value or a form value does not
// decode into an input's field.
func TypeMessage(t reflect.Type) msg.Message {
	if t.Kind() == reflect.Pointer {
		t = t.Elem() // an optional number is still a number
	}
	switch t.Kind() {
	case reflect.String:
		return msg.New(msg.FieldString)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return msg.New(msg.FieldWholeNumber)
	case reflect.Float32, reflect.Float64:
		return msg.New(msg.FieldNumber)
	case reflect.Bool:
		return msg.New(msg.FieldBool)
	case reflect.Slice, reflect.Array:
		return msg.New(msg.FieldList)
	}
	return msg.New(msg.FieldObject)
}
