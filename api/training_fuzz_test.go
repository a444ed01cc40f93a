package api

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/workflows/certificates"
)

func FuzzDecodeCourse(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"title":"商品摄影 Product Photography","description":"Light and shoot.","pass_score":60}`))
	f.Add([]byte(`{"title":"X","pass_score":0}`))
	f.Add([]byte(`{"title":"X","pass_score":-1}`))
	f.Add([]byte(`{"title":"X","pass_score":"60"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req CreateCourseRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &CreateCourseRequest{}) != nil {
			return
		}
		if req.PassScore == nil || *req.PassScore < 0 || *req.PassScore > 100 {
			t.Fatalf("accepted %q with pass_score %v", body, req.PassScore)
		}
		if req.Title == "" || utf8.RuneCountInString(req.Title) > 200 {
			t.Fatalf("accepted %q with title of %d characters", body, utf8.RuneCountInString(req.Title))
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"score":0}`, `{"score":100}`, `{"score":101}`, `{"score":1e2}`, `{"score":80.5}`, `{"score":null}`, `{"score":"80"}`} {
		f.Add([]byte(s))
	}
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ResultRequest
		checkDecode(t, s, body, &req)
		if s.decode(body, &ResultRequest{}) != nil {
			return
		}
		if req.Score == nil || *req.Score < 0 || *req.Score > 100 {
			t.Fatalf("accepted %q with score %v", body, req.Score)
		}
	})
}

func FuzzDecodeRevoke(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"reason":"plagiarised final project"}`))
	f.Add([]byte(`{"reason":""}`))
	f.Add([]byte(`{"reason":"a\u0007b"}`))
	s := &server{validator: newValidator()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req RevokeRequest
		checkDecode(t, s, body, &req)
	})
}

// FuzzSerialParam: a serial path parameter is either a canonical serial,
// which reads back unchanged, or the same 404 as an unknown serial.
func FuzzSerialParam(f *testing.F) {
	for _, s := range []string{
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G", "8f3kq 2m7zd x1c9v 0tnbr 4hjw6g", "8F3KQ2M7ZDX1C9V0TNBR4HJW6G",
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW61", "OIL00-00000-00000-00000-000000", "keys", "", "%00", "８F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		serial, err := serialParam(raw)
		if err != nil {
			if !errors.Is(err, errNotFound) {
				t.Fatalf("serialParam(%q): %v, want the 404", raw, err)
			}
			return
		}
		if !certificates.ValidSerial(serial) {
			t.Fatalf("serialParam(%q) = %q, not a valid serial", raw, serial)
		}
		if again, err := serialParam(serial); err != nil || again != serial {
			t.Fatalf("serialParam(%q) = %q, %v: not canonical", serial, again, err)
		}
	})
}
