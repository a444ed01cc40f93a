package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
)

// The fuzz targets take a request body as a handler does: DecodeJSON into
// the use case's input (package app), then, when it decodes, the real use
// case on a schema of its own, which validates it, checks its rules and
// writes. Each target checks that nothing panics, that every refusal is a
// client error (never a 500) whose messages read in every language, and
// that whatever passes the use case's validation keeps the rules the target
// names.

// seedID is the id the seed corpora name: the fuzz schema's college,
// programme and internship place have it, so that the seeds meant to be
// accepted are.
const seedID = "01a21680-84eb-7300-acee-5ce8e5252057"

// seedShopID is the id of the verified student's shop in the seeds.
const seedShopID = "01a21680-84eb-7300-acee-5ce8e5252058"

// seedSerial is the serial of the fuzz schema's certificate, as the seeds
// of FuzzSerialParam type it.
const seedSerial = "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G"

// fuzzIP is the client address the sign-in use cases see.
const fuzzIP = "192.0.2.7"

// fuzzEnv is the application on a fuzz target's own schema and the actors
// its use cases run as.
type fuzzEnv struct {
	app *app.App
	db  *gorm.DB
	// applicant has no student profile yet; student is verified, with the
	// shop seedShopID.
	admin, reviewer, applicant, student app.Actor
}

// newFuzzEnv builds the application as serve does (without Redis: its rate
// limits stay in the process, set out of the way) on a new schema. It
// runs before f.Fuzz, so that the fuzz function itself touches f no more.
func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	db := testenv.Postgres(f).DB
	log := slog.New(slog.DiscardHandler)
	eng := fixtures.Engine(db, nil) // tasks stay in the outbox: no workers here
	eng.Log = log
	env := &fuzzEnv{db: db, app: app.New(app.Deps{DB: db, Engine: eng, Log: log,
		Config: app.Config{LoginRate: 1 << 20, SubmitRate: 1 << 20, CertVerifyRate: 1 << 20}})}
	env.admin = app.ActorOf(fixtures.Account(f, db, models.RoleAdmin))
	env.reviewer = app.ActorOf(fixtures.Reviewer(f, db, ""))
	env.applicant = app.ActorOf(fixtures.Account(f, db, models.RoleApplicant))
	student, _ := fixtures.VerifiedStudent(f, db, "模糊测试")
	env.student = app.ActorOf(student)
	shop := fixtures.VerifiedShops(f, db, []models.Account{student})[0]
	college, _ := fixtures.College(f, db)
	fixtures.FundProgram(f, db, nil, func(p *models.FundProgram) { p.ID = seedID })
	now := time.Now().UTC()
	for _, err := range []error{
		db.Exec(`UPDATE shops SET id = ? WHERE id = ?`, seedShopID, shop.ID).Error,
		db.Exec(`UPDATE colleges SET id = ? WHERE id = ?`, seedID, college.ID).Error,
		db.Create(&models.InternshipPlace{ID: seedID, Company: "Shopco", Title: "Data intern", City: "杭州",
			Skills: []string{"SQL"}, Capacity: 3, Status: workflows.PlaceOpen, CreatedAt: now, UpdatedAt: now}).Error,
	} {
		if err != nil {
			f.Fatalf("fuzz fixtures: %v", err)
		}
	}
	return env
}

// checkRenders checks that p, a problem the API would answer with, has a
// code and a message in every language, that each of its fields does too,
// and that a 422 names its fields.
func checkRenders(t *testing.T, what string, body []byte, p app.Problem) {
	t.Helper()
	for _, lang := range i18n.Langs {
		pr := i18n.NewPrinter(lang, nil)
		d := detail(p, pr)
		if d.Code == "" || d.Message == "" || !pr.Has(d.Reason.Code) {
			t.Fatalf("%s %q: empty code or message, or a message without %s text: %+v", what, body, lang, d)
		}
		for f, m := range d.FieldReasons {
			if !pr.Has(m.Code) || d.Fields[f] == "" {
				t.Fatalf("%s %q: field %s has no %s text: %+v", what, body, f, lang, m)
			}
		}
	}
	if p.Status == http.StatusUnprocessableEntity && len(p.Fields) == 0 {
		t.Fatalf("%s %q: a 422 must name its fields", what, body)
	}
}

// checkDecode is the property DecodeJSON keeps for every input: it never
// panics, and it either decodes body into v (true) or answers with an
// API.md client error, 400 or 422, that reads in every language.
func checkDecode(t *testing.T, body []byte, v any) bool {
	t.Helper()
	err := DecodeJSON(body, v)
	if err == nil {
		return true
	}
	var pe *problemError
	if !errors.As(err, &pe) {
		t.Fatalf("decode %q: %v is not an API error (it would be a 500)", body, err)
	}
	p := problem(err)
	switch p.Status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
	default:
		t.Fatalf("decode %q: status %d, want 400 or 422", body, p.Status)
	}
	checkRenders(t, "decode", body, p)
	return false
}

// checkUseCase classifies err, a use case's answer to an input that
// decoded. It must be nil or a client error that reads in every language:
// a 422 of its validation (false), or a refusal whose message codes are
// among after, those that come only once the input validated (an unknown
// id, a conflict with what is stored): true, as for nil. Anything else,
// a 500 above all, fails.
func checkUseCase(t *testing.T, body []byte, err error, after ...string) bool {
	t.Helper()
	if err == nil {
		return true
	}
	p := problem(err)
	checkRenders(t, "use case", body, p)
	codes := []string{p.Msg.Code}
	if len(p.Fields) > 0 {
		codes = codes[:0]
		for _, m := range p.Fields {
			codes = append(codes, m.Code)
		}
	}
	validated := true
	for _, c := range codes {
		validated = validated && slices.Contains(after, c)
	}
	if validated {
		return true
	}
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("use case refused %q with %d %v: neither a validation error nor a refusal once valid (%v): %v",
			body, p.Status, codes, after, err)
	}
	return false
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@example.com","password":"a-long-password","name":"Li"}`,
		`{"email":"a@example.com","password":"pw"}`,
		`{"email":1}`,
		`{"email":"a@example.com","password":"a-long-password","name":"Li","role":"admin"}`,
		`[]`, `null`, `{`, `{"name":"\u0000"}`, `{} {}`, `"x"`,
		`{"email":"a\u0000@example.com","password":"a-long-password"}`, "{\"email\":\"\xff@example.com\",\"password\":\"a-long-password\"}",
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeRegister fuzzes POST /auth/register: what registers is an
// applicant.
func FuzzDecodeRegister(f *testing.F) {
	fuzzSeeds(f)
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.RegisterInput
		if !checkDecode(t, body, &in) {
			return
		}
		acct, err := env.app.Register(context.Background(), fuzzIP, in)
		if !checkUseCase(t, body, err, msg.AuthEmailTaken) {
			return
		}
		if err == nil && acct.Role != models.RoleApplicant {
			t.Fatalf("registered %q as %q", body, acct.Role)
		}
	})
}

// FuzzDecodeLogin fuzzes POST /auth/login: unknown or wrong credentials
// are a 401, never anything worse.
func FuzzDecodeLogin(f *testing.F) {
	fuzzSeeds(f)
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.LoginInput
		if !checkDecode(t, body, &in) {
			return
		}
		sess, err := env.app.Login(context.Background(), app.Client{IP: fuzzIP}, in)
		if checkUseCase(t, body, err, msg.AuthBadCredentials) && err == nil && sess.Token.Value == "" {
			t.Fatalf("signed in %q without a token", body)
		}
	})
}

// FuzzDecodeOnboarding fuzzes POST /onboarding: a profile that is created
// is pending, with its form as validated.
func FuzzDecodeOnboarding(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"college_id":"01a21680-84eb-7300-acee-5ce8e5252057","student_number":"2023001","full_name":"张三","enrollment_year":2023,"major":"E","college_email":"a@zju.edu.cn","phone":"13812345678"}`))
	env := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in app.OnboardingInput
		if !checkDecode(t, body, &in) {
			return
		}
		prof, err := env.app.SubmitOnboarding(context.Background(), env.applicant, in)
		if !checkUseCase(t, body, err, msg.CollegeNotPartner, msg.OnboardingExists) {
			return
		}
		if in.EnrollmentYear < 1950 || in.EnrollmentYear > 2100 || !mobile(in.Phone) {
			t.Fatalf("accepted %q", body)
		}
		if err == nil && (prof.Status != workflows.OnboardingPending || prof.AccountID != env.applicant.ID) {
			t.Fatalf("submitted %q as %+v", body, prof)
		}
	})
}

// mobile reports whether s is a mainland mobile number: 11 digits from 13
// to 19.
func mobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
