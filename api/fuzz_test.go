package api

import (
	"errors"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"net/http"
	"testing"
)

// checkDecode is the property every request decoder must keep: it never
// panics, and it either accepts a body that validates or answers with an
// API.md client error.
func checkDecode(t *testing.T, s *server, body []byte, v any) {
	err := s.decode(body, v)
	if err == nil {
		if verr := s.validate(v); verr != nil {
			t.Fatalf("accepted %q but it does not validate: %v", body, verr)
		}
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("decode %q: %v is not an API error (it would be a 500)", body, err)
	}
	switch ae.status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
	default:
		t.Fatalf("decode %q: status %d, want 400 or 422", body, ae.status)
	}
	for _, lang := range i18n.Langs {
		p := i18n.NewPrinter(lang, nil)
		d := ae.detail(p)
		if d.Code == "" || d.Message == "" || !p.Has(d.Reason.Code) {
			t.Fatalf("decode %q: empty code or message, or a message without %s text: %+v", body, lang, d)
		}
		for f, m := range d.FieldReasons {
			if !p.Has(m.Code) || d.Fields[f] == "" {
				t.Fatalf("decode %q: field %s has no %s text: %+v", body, f, lang, m)
			}
		}
	}
	if ae.status == http.StatusUnprocessableEntity && len(ae.fields) == 0 {
		t.Fatalf("decode %q: a 422 must name its fields", body)
	}
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@example.com","password":"a-long-password","name":"Li"}`,
		`{"email":"a@example.com","password":"pw"}`,
		`{"email":1}`,
		`{"email":"a@example.com","password":"a-long-password","name":"Li","role":"admin"}`,
		`[]`, `null`, `{`, `{"name":"\u0000"}`, `{} {}`, `"x"`,
	} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeRegister(f *testing.F) {
	fuzzSeeds(f)
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req RegisterRequest
		checkDecode(t, s, body, &req)
	})
}

func FuzzDecodeLogin(f *testing.F) {
	fuzzSeeds(f)
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req LoginRequest
		checkDecode(t, s, body, &req)
	})
}

func FuzzDecodeOnboarding(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"college_id":"01a21680-84eb-7300-acee-5ce8e5252057","student_number":"2023001","full_name":"张三","enrollment_year":2023,"major":"E","college_email":"a@zju.edu.cn","phone":"13812345678"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req OnboardingRequest
		checkDecode(t, s, body, &req)
	})
}
