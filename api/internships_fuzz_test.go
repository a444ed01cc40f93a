package api

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/google/uuid"
)

// FuzzDecodeInternshipApplication decodes and validates application bodies,
// then normalises what passed as the domain does: the result is either a
// field error or 1 to 10 distinct canonical place ids with tidy skills.
func FuzzDecodeInternshipApplication(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{
		`{"preferences":["01a21680-84eb-7300-acee-5ce8e5252057"],"skills":["Go"," SQL ","go",""]}`,
		`{"preferences":["01A21680-84EB-7300-ACEE-5CE8E5252057","01a21680-84eb-7300-acee-5ce8e5252057"],"skills":[]}`,
		`{"preferences":[],"skills":[]}`,
		`{"preferences":"01a21680-84eb-7300-acee-5ce8e5252057","skills":[]}`,
		`{"preferences":[1],"skills":[]}`,
		`{"preferences":["{01a21680-84eb-7300-acee-5ce8e5252057}"],"skills":["\u0000"]}`,
		`{"preferences":["01a21680-84eb-7300-acee-5ce8e5252057"],"skills":null}`,
	} {
		f.Add([]byte(s))
	}
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req InternshipApplicationRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &InternshipApplicationRequest{}) != nil {
			return
		}
		form, err := workflows.InternshipForm{Preferences: req.Preferences, Skills: req.Skills}.Normalize()
		if err != nil {
			var ve *workflows.ValidationError
			if !errors.As(err, &ve) || ve.Fields["preferences"].IsZero() {
				t.Fatalf("accepted %q, then normalising failed without a preferences error: %v", body, err)
			}
			return
		}
		if n := len(form.Preferences); n < 1 || n > workflows.MaxPreferences {
			t.Fatalf("accepted %q with %d preferences", body, n)
		}
		seen := map[string]bool{}
		for _, id := range form.Preferences {
			if u, err := uuid.Parse(id); err != nil || u.String() != id || seen[id] {
				t.Fatalf("accepted %q: preference %q is not a distinct canonical id", body, id)
			}
			seen[id] = true
		}
		if len(form.Skills) > 20 {
			t.Fatalf("accepted %q with %d skills", body, len(form.Skills))
		}
		for i, sk := range form.Skills {
			if sk == "" || sk != strings.TrimSpace(sk) || utf8.RuneCountInString(sk) > 50 {
				t.Fatalf("accepted %q with skill %q", body, sk)
			}
			for _, earlier := range form.Skills[:i] {
				if strings.EqualFold(earlier, sk) {
					t.Fatalf("accepted %q with skill %q twice", body, sk)
				}
			}
		}
	})
}

// FuzzDecodePlace decodes and validates place bodies: whatever passes has
// a capacity within 0..10000 and a known status.
func FuzzDecodePlace(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{
		`{"company":"Shopco","title":"Data intern","city":"杭州","skills":["SQL"],"capacity":5}`,
		`{"company":"Shopco","title":"Data intern","city":"杭州","capacity":0,"status":"closed"}`,
		`{"company":"Shopco","title":"Data intern","city":"杭州","capacity":-1}`,
		`{"company":"Shopco","title":"Data intern","city":"杭州","capacity":1e9}`,
		`{"company":"Shopco","title":"Data intern","city":"杭州","capacity":"5"}`,
		`{"company":"Shopco","title":"Data intern","city":"杭州","capacity":5,"status":"maybe"}`,
	} {
		f.Add([]byte(s))
	}
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req PlaceRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &PlaceRequest{}) != nil {
			return
		}
		if req.Capacity == nil || *req.Capacity < 0 || *req.Capacity > 10000 {
			t.Fatalf("accepted %q with capacity %v", body, req.Capacity)
		}
		switch req.Status {
		case "", workflows.PlaceOpen, workflows.PlaceClosed:
		default:
			t.Fatalf("accepted %q with status %q", body, req.Status)
		}
	})
}

// FuzzDecodePlaceChange decodes and validates PATCH bodies.
func FuzzDecodePlaceChange(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"status":"closed"}`, `{"capacity":3}`, `{"capacity":-3}`, `{}`, `{"status":null}`, `{"status":"open","capacity":10001}`} {
		f.Add([]byte(s))
	}
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req PlaceChangeRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &PlaceChangeRequest{}) != nil {
			return
		}
		if req.Capacity != nil && (*req.Capacity < 0 || *req.Capacity > 10000) {
			t.Fatalf("accepted %q with capacity %d", body, *req.Capacity)
		}
		if req.Status != nil && *req.Status != workflows.PlaceOpen && *req.Status != workflows.PlaceClosed {
			t.Fatalf("accepted %q with status %q", body, *req.Status)
		}
	})
}
