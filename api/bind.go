package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// maxBody is BodyLimit in bytes.
const maxBody = 1 << 20

// bindJSON decodes the request body into v, an input of the application
// layer, strictly (one JSON object, no unknown fields). Malformed JSON is a
// 400; unknown fields and wrong types are a 422 naming each field. The use
// case validates the rest.
func bindJSON(c echo.Context, v any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
			return newError(http.StatusUnsupportedMediaType, msg.ErrorMediaType)
		}
	}
	body, err := readBody(req)
	if err != nil {
		return err
	}
	return DecodeJSON(body, v)
}

// readBody reads the request body, at most maxBody bytes (413 beyond).
func readBody(req *http.Request) ([]byte, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &maxErr) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
			return nil, newError(http.StatusRequestEntityTooLarge, msg.ErrorBodyTooLarge, msg.Int("max", maxBody))
		}
		return nil, newError(http.StatusBadRequest, msg.ErrorBodyUnreadable)
	}
	return body, nil
}

// DecodeJSON decodes one JSON object into v, rejecting unknown fields and
// trailing data. Its errors are ready to send.
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
		return fieldErrors(map[string]msg.Message{typeErr.Field: app.TypeMessage(typeErr.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErrors(map[string]msg.Message{name: msg.New(msg.FieldUnknown)})
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
