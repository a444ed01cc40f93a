package api

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
)

// PageKit is the part of the API's machinery that the server-rendered pages
// (package web) reuse, so that a form and its JSON twin are checked by the
// same rules, answer the same messages and start work the same way.
type PageKit struct {
	s *server
}

// NewPageKit returns the kit for an app built from d.
func NewPageKit(d Deps) *PageKit {
	return &PageKit{s: newServer(d)}
}

// Validate checks v, a request type of this package, by the API's rules. It
// returns the API's message for each JSON field name that breaks one, or nil.
func (k *PageKit) Validate(v any) (map[string]msg.Message, error) {
	err := k.s.validator.Struct(v)
	if err == nil {
		return nil, nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return describeAll(verrs), nil
}

// TypeMessage is the API's message for a field whose value is not of type
// t, such as msg.FieldWholeNumber.
func TypeMessage(t reflect.Type) msg.Message { return msg.New(jsonKind(t)) }

// Problem is what the API would answer for err: its status and error body.
// The body's texts are English; its Reason and FieldReasons carry the
// codes, for a page to render in its own language.
func (k *PageKit) Problem(err error) (int, ErrorDetail) {
	e := k.s.classify(nil, err)
	return e.status, e.detail(i18n.NewPrinter(i18n.EN, time.UTC))
}

// Direct prepares a page's submission for dispatch after commit, as the API
// does (see server.direct): call flush once the domain call succeeded.
func (k *PageKit) Direct(ctx context.Context) (context.Context, func()) { return k.s.direct(ctx) }

// AllowLogin applies the API's sign-in rate limits, per client IP and per
// account; when refused it says how long to wait.
func (k *PageKit) AllowLogin(ctx context.Context, ip, email string) (bool, time.Duration) {
	if ok, wait := k.s.limits.loginIP.Allow(ctx, ip); !ok {
		return false, wait
	}
	return k.s.limits.loginAcct.Allow(ctx, email)
}

// AllowRegister applies the API's per-client-IP limit on registrations.
func (k *PageKit) AllowRegister(ctx context.Context, ip string) (bool, time.Duration) {
	return k.s.limits.registerIP.Allow(ctx, ip)
}

// AllowSubmit applies the API's per-account submission budget (SUBMIT_RATE;
// admins ten times as much) to a page's form; with Deps.Limits shared it is
// the budget the JSON API spends. When refused it says how long to wait.
func (k *PageKit) AllowSubmit(ctx context.Context, acct models.Account) (bool, time.Duration) {
	return k.s.allowSubmit(ctx, acct)
}

// AllowLookup applies the API's per-IP limit on certificate look-ups.
func (k *PageKit) AllowLookup(ctx context.Context, ip string) bool {
	ok, _ := k.s.limits.lookupIP.Allow(ctx, ip)
	return ok
}

// CreateStaff creates a reviewer or admin account as POST
// /api/v1/admin/accounts does, screening again the applications that wait
// for reviewers when it is a reviewer.
func (k *PageKit) CreateStaff(ctx context.Context, req CreateAccountRequest) (models.Account, error) {
	return k.s.createStaff(ctx, req)
}

// Sessions issues and checks the sign-in tokens the pages share with the API.
func (k *PageKit) Sessions() *accounts.Sessions { return k.s.sessions }

// SessionTTL is how long a sign-in lasts.
func (k *PageKit) SessionTTL() time.Duration { return k.s.cfg.SessionTTL }

// SecureCookies says whether session cookies are marked Secure.
func (k *PageKit) SecureCookies() bool { return k.s.cfg.SecureCookies }

// Certificate looks up a certificate by a user-typed serial and verifies it
// now, exactly as GET /api/v1/certificates/{serial} does. Malformed and
// unknown serials are workflows.ErrNotFound.
func (k *PageKit) Certificate(ctx context.Context, rawSerial string) (CertificateView, error) {
	serial, ok := certificates.NormalizeSerial(rawSerial)
	if !ok {
		return CertificateView{}, fmt.Errorf("serial %q: %w", rawSerial, workflows.ErrNotFound)
	}
	var cert models.Certificate
	if err := k.s.db.WithContext(ctx).Omit("pdf").Take(&cert, "serial = ?", serial).Error; err != nil {
		return CertificateView{}, fmt.Errorf("load certificate %s: %w", serial, err)
	}
	return certificateView(cert, workflows.VerifyCertificate(cert, k.s.certKeys), i18n.NewPrinter(i18n.EN, time.UTC)), nil
}

// Form is the domain form of the request, as POST /onboarding submits it.
func (r OnboardingRequest) Form() workflows.OnboardingForm { return r.form() }

// VerifyJSON answers c exactly as GET /verify/{serial} of the API does (the
// verify JSON, rate-limited per IP); the pages take that path over and
// answer it for clients that do not ask for HTML.
func (k *PageKit) VerifyJSON(c echo.Context) error {
	return k.s.limitLookups(k.s.verifyCertificate)(c)
}
