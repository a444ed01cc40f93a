package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/campusbiz/campusbiz/workflows/msg"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
)

// bindJSON decodes the request body into v strictly (one JSON object, no
// unknown fields) and validates it. Malformed JSON is a 400; unknown fields,
// wrong types and rule violations are a 422 naming each field.
func (s *server) bindJSON(c echo.Context, v any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
			return newError(http.StatusUnsupportedMediaType, msg.ErrorMediaType)
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &maxErr) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
			return newError(http.StatusRequestEntityTooLarge, msg.ErrorBodyTooLarge)
		}
		return newError(http.StatusBadRequest, msg.ErrorBodyUnreadable)
	}
	return s.decode(body, v)
}

// decode is DecodeJSON followed by validation.
func (s *server) decode(body []byte, v any) error {
	if err := DecodeJSON(body, v); err != nil {
		return err
	}
	return s.validate(v)
}

// DecodeJSON decodes one JSON object into v, rejecting unknown fields and
// trailing data. Its errors are *apiError values ready to send.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(http.StatusBadRequest, msg.ErrorBodyEmpty)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return newError(http.StatusBadRequest, msg.ErrorBodyNotJSON)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return newError(http.StatusBadRequest, msg.ErrorBodyNotObject)
		}
		return fieldError(typeErr.Field, jsonKind(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldError(name, msg.FieldUnknown)
	default:
		return newError(http.StatusBadRequest, msg.ErrorBodyNotJSON)
	}
	if dec.More() {
		return newError(http.StatusBadRequest, msg.ErrorBodyNotSingle)
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError(http.StatusBadRequest, msg.ErrorBodyNotSingle)
	}
	return nil
}

// jsonKind is the message code for a value that is not of type t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return msg.FieldString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return msg.FieldWholeNumber
	case reflect.Float32, reflect.Float64:
		return msg.FieldNumber
	case reflect.Bool:
		return msg.FieldBool
	case reflect.Slice, reflect.Array:
		return msg.FieldList
	default:
		return msg.FieldObject
	}
}

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

func (s *server) validate(v any) error {
	err := s.validator.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("validate: %w", err)
	}
	return fieldErrors(describeAll(verrs))
}

// describeAll is the message of each field that broke a rule (the first
// rule it broke).
func describeAll(verrs validator.ValidationErrors) map[string]msg.Message {
	fields := make(map[string]msg.Message, len(verrs))
	for _, fe := range verrs {
		if _, seen := fields[fe.Field()]; !seen {
			fields[fe.Field()] = describe(fe)
		}
	}
	return fields
}

// describe is the message of the rule a field broke: its code, and the
// rule's parameter where it has one.
func describe(fe validator.FieldError) msg.Message {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return msg.New(msg.FieldRequired)
	case "email":
		return msg.New(msg.FieldEmail)
	case "uuid":
		return msg.New(msg.FieldID)
	case "min", "gte":
		switch fe.Kind() {
		case reflect.String:
			return msg.New(msg.FieldTooShort, number("min", p))
		case reflect.Slice, reflect.Array, reflect.Map:
			return msg.New(msg.FieldTooFew, number("min", p))
		}
		return msg.New(msg.FieldTooSmall, number("min", p))
	case "max", "lte":
		switch fe.Kind() {
		case reflect.String:
			return msg.New(msg.FieldTooLong, number("max", p))
		case reflect.Slice, reflect.Array, reflect.Map:
			return msg.New(msg.FieldTooMany, number("max", p))
		}
		return msg.New(msg.FieldTooBig, number("max", p))
	case "oneof":
		return msg.New(msg.FieldOneOf, msg.Texts("values", strings.Fields(p)))
	case "cnmobile":
		return msg.New(msg.FieldMobile, msg.Text("example", "13812345678"))
	case "url", "http_url":
		return msg.New(msg.FieldURL)
	case "fqdn", "hostname", "hostname_rfc1123":
		return msg.New(msg.FieldDomain)
	case "nocontrol", "printascii":
		return msg.New(msg.FieldControlChars)
	}
	return msg.New(msg.FieldInvalid, msg.Text("rule", fe.Tag()))
}

// number is a rule's parameter p as a number param: whole numbers as Int,
// anything else (a decimal such as "0.5") as the text it is.
func number(name, p string) msg.Param {
	if n, err := strconv.ParseInt(p, 10, 64); err == nil {
		return msg.Int(name, n)
	}
	return msg.Text(name, p)
}
