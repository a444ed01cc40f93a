package api

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
)

// FuzzDecodeInternshipApplication fuzzes POST /internship-applications by
// the verified student (the place seedID is open). What the use case's
// validation lets through normalises, as the use case does, to 1 to 10
// distinct canonical place ids with tidy skills, and an application it
// files carries exactly those.
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
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.InternshipInput
		if !checkDecode(t, body, &in) {
			return
		}
		filed, err := env.app.SubmitInternship(context.Background(), env.student, in)
		if !checkUseCase(t, body, err, msg.InternshipPreferenceNotOpen, msg.InternshipExists) {
			return
		}
		form, err2 := workflows.InternshipForm{Preferences: in.Preferences, Skills: in.Skills}.Normalize()
		if err2 != nil {
			t.Fatalf("accepted %q, which does not normalise: %v", body, err2)
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
		if err == nil && (filed.Status != workflows.InternshipPending || !slices.Equal(filed.Preferences, form.Preferences) ||
			!slices.Equal(filed.Skills, form.Skills)) {
			t.Fatalf("filed %q as %+v, not as normalised %+v", body, filed, form)
		}
	})
}

// FuzzDecodePlace fuzzes POST /admin/internships: a place that is created
// has a capacity within 0..10000, a known status and a company, title and
// city.
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
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.PlaceInput
		if !checkDecode(t, body, &in) {
			return
		}
		p, err := env.app.CreatePlace(context.Background(), env.admin, in)
		if !checkUseCase(t, body, err) {
			return
		}
		if in.Capacity == nil || p.Capacity != *in.Capacity || p.Capacity < 0 || p.Capacity > 10000 {
			t.Fatalf("accepted %q with capacity %v", body, in.Capacity)
		}
		switch p.Status {
		case workflows.PlaceOpen, workflows.PlaceClosed:
		default:
			t.Fatalf("accepted %q with status %q", body, p.Status)
		}
		if p.Company == "" || p.Title == "" || p.City == "" {
			t.Fatalf("accepted %q with a blank company, title or city: %+v", body, p.InternshipPlace)
		}
	})
}

// FuzzDecodePlaceChange fuzzes PATCH /admin/internships/{id}: a change
// that validates names a capacity within range or a known status. The
// place is unknown, so it is then a 404.
func FuzzDecodePlaceChange(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"status":"closed"}`, `{"capacity":3}`, `{"capacity":-3}`, `{}`, `{"status":null}`, `{"status":"open","capacity":10001}`} {
		f.Add([]byte(s))
	}
	env := newFuzzEnv(f)
	unknown := models.NewID()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.PlaceChangeInput
		if !checkDecode(t, body, &in) {
			return
		}
		_, err := env.app.ChangePlace(context.Background(), env.admin, unknown, in)
		if !checkUseCase(t, body, err, msg.ErrorNotFound) {
			return
		}
		if in.Capacity == nil && in.Status == nil {
			t.Fatalf("accepted %q, which changes nothing", body)
		}
		if in.Capacity != nil && (*in.Capacity < 0 || *in.Capacity > 10000) {
			t.Fatalf("accepted %q with capacity %d", body, *in.Capacity)
		}
		if in.Status != nil && *in.Status != workflows.PlaceOpen && *in.Status != workflows.PlaceClosed {
			t.Fatalf("accepted %q with status %q", body, *in.Status)
		}
	})
}
