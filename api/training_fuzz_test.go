package api

import (
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// FuzzDecodeCourse fuzzes POST /admin/courses: a course that validates has
// a pass score of 0 to 100 and a title of at most 200 characters.
func FuzzDecodeCourse(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"title":"商品摄影 Product Photography","description":"Light and shoot.","pass_score":60}`))
	f.Add([]byte(`{"title":"X","pass_score":0}`))
	f.Add([]byte(`{"title":"X","pass_score":-1}`))
	f.Add([]byte(`{"title":"X","pass_score":"60"}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.CourseInput
		if !checkDecode(t, body, &in) {
			return
		}
		course, err := env.app.CreateCourse(context.Background(), env.admin, in)
		if !checkUseCase(t, body, err, msg.TrainingCourseTitleTaken) {
			return
		}
		if in.PassScore == nil || *in.PassScore < 0 || *in.PassScore > 100 {
			t.Fatalf("accepted %q with pass_score %v", body, in.PassScore)
		}
		if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
			t.Fatalf("accepted %q with title of %d characters", body, utf8.RuneCountInString(in.Title))
		}
		if err == nil && course.PassScore != *in.PassScore {
			t.Fatalf("created %q with pass score %d", body, course.PassScore)
		}
	})
}

// FuzzDecodeResult fuzzes POST /admin/enrollments/{id}/result: a result
// that validates is a whole score of 0 to 100. The enrollment is unknown,
// so it is then a 404.
func FuzzDecodeResult(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"score":0}`, `{"score":100}`, `{"score":101}`, `{"score":1e2}`, `{"score":80.5}`, `{"score":null}`, `{"score":"80"}`} {
		f.Add([]byte(s))
	}
	env := newFuzzEnv(f)
	unknown := models.NewID()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.ResultInput
		if !checkDecode(t, body, &in) {
			return
		}
		_, err := env.app.RecordResult(context.Background(), env.admin, unknown, in)
		if !checkUseCase(t, body, err, msg.ErrorNotFound) {
			return
		}
		if in.Score == nil || *in.Score < 0 || *in.Score > 100 {
			t.Fatalf("accepted %q with score %v", body, in.Score)
		}
	})
}

// FuzzDecodeRevoke fuzzes POST /admin/certificates/{serial}/revoke: a
// revocation that validates gives a reason of at most 500 characters. The
// serial is unknown, so it is then a 404.
func FuzzDecodeRevoke(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"reason":"plagiarised final project"}`))
	f.Add([]byte(`{"reason":""}`))
	f.Add([]byte(`{"reason":"a\u0007b"}`))
	env := newFuzzEnv(f)
	unknown, err := certificates.NewSerial()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.RevokeInput
		if !checkDecode(t, body, &in) {
			return
		}
		_, err := env.app.RevokeCertificate(context.Background(), env.admin, unknown, in)
		if !checkUseCase(t, body, err, msg.ErrorNotFound) {
			return
		}
		if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 500 {
			t.Fatalf("accepted %q with a reason of %d characters", body, utf8.RuneCountInString(in.Reason))
		}
	})
}

// FuzzSerialParam fuzzes the serial of GET /certificates/{serial}, which
// the handler passes as it came to the use case (App.Certificate): a
// serial is either one that normalises to a canonical serial, which reads
// back unchanged and finds the certificate it names (the schema holds
// seedSerial's), or the same 404 as an unknown serial.
func FuzzSerialParam(f *testing.F) {
	for _, s := range []string{
		seedSerial, "8f3kq 2m7zd x1c9v 0tnbr 4hjw6g", "8F3KQ2M7ZDX1C9V0TNBR4HJW6G",
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW61", "OIL00-00000-00000-00000-000000", "keys", "", "%00", "８F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	} {
		f.Add(s)
	}
	env := newFuzzEnv(f)
	holder, _ := fixtures.VerifiedStudent(f, env.db, "证书持有人")
	course := fixtures.Course(f, env.db, 60)
	enrollment, _ := fixtures.PassedEnrollment(f, env.db, holder, course)
	err := env.db.Create(&models.Certificate{ID: models.NewID(), Serial: seedSerial, EnrollmentID: enrollment.ID,
		AccountID: holder.ID, CourseID: course.ID, Status: workflows.CertificateValid, Credential: []byte(`{}`),
		KeyID: "ed25519:0000000000000000", Signature: "AA", IssuedAt: time.Now().UTC(), PDF: []byte("%PDF-1.3")}).Error
	if err != nil {
		f.Fatalf("seed certificate: %v", err)
	}
	unknown := problem(workflows.ErrNotFound)
	f.Fuzz(func(t *testing.T, raw string) {
		serial, ok := certificates.NormalizeSerial(raw)
		if ok {
			if !certificates.ValidSerial(serial) {
				t.Fatalf("NormalizeSerial(%q) = %q, not a valid serial", raw, serial)
			}
			if again, ok := certificates.NormalizeSerial(serial); !ok || again != serial {
				t.Fatalf("NormalizeSerial(%q) = %q, %v: not canonical", serial, again, ok)
			}
		}
		cert, err := env.app.Certificate(context.Background(), raw, false)
		switch {
		case err == nil:
			if !ok || serial != seedSerial || cert.Serial != seedSerial {
				t.Fatalf("Certificate(%q) found %q (normalised: %q, %v)", raw, cert.Serial, serial, ok)
			}
		case !errors.Is(err, workflows.ErrNotFound):
			t.Fatalf("Certificate(%q): %v, want the 404", raw, err)
		case ok && serial == seedSerial:
			t.Fatalf("Certificate(%q) did not find %s", raw, seedSerial)
		default:
			if p := problem(err); p.Status != unknown.Status || p.Msg.Code != unknown.Msg.Code || len(p.Fields) > 0 {
				t.Fatalf("Certificate(%q): %+v, not the same 404 as an unknown serial (%+v)", raw, p, unknown)
			}
		}
	})
}
