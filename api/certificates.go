package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// CertificateConfig is what the certificate endpoints need.
type CertificateConfig struct {
	// Keys are the published keys that certificates are verified against.
	Keys workflows.CertificateKeys
	// VerifyRate is the sustained certificate look-ups (verify and PDF) per
	// minute allowed per client IP. Defaults to 120.
	VerifyRate int
}

// verifyRate is cfg's look-up budget per client IP a minute (120 unset).
func (cfg CertificateConfig) verifyRate() int {
	if cfg.VerifyRate <= 0 {
		return 120
	}
	return cfg.VerifyRate
}

// limitLookups rate-limits certificate look-ups per client IP, which also
// bounds how fast anyone can probe serials.
func (s *server) limitLookups(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, wait := s.limits.lookupIP.Allow(c.Request().Context(), c.RealIP()); !ok {
			return rateLimited(c.Response().Header(), wait)
		}
		return next(c)
	}
}

// CertificateView answers GET /certificates/{serial} (and /verify/{serial}):
// the certificate as re-checked now. An outside verifier needs only
// Credential, Signature and the public key (also published, by key id, at
// /api/v1/certificates/keys).
type CertificateView struct {
	Serial      string     `json:"serial"`
	HolderName  string     `json:"holder_name"`
	CourseTitle string     `json:"course_title"`
	IssuerName  string     `json:"issuer_name"`
	IssuedAt    *time.Time `json:"issued_at"`
	// Valid is true only when the signature checks and it is not revoked.
	Valid bool `json:"valid"`
	// SignatureValid is true when the signature checks against the
	// published key, whatever the revocation state.
	SignatureValid bool       `json:"signature_valid"`
	Revoked        bool       `json:"revoked"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	// Problem says why the signature does not check, in the request's
	// language; ProblemReason is its code and parameters.
	Problem       string       `json:"problem,omitempty"`
	ProblemReason *msg.Message `json:"problem_reason,omitempty"`
	Signature     string       `json:"signature"`
	KeyID         string       `json:"key_id"`
	// PublicKey is the standard base64 Ed25519 key named by KeyID; empty
	// when that key is not published.
	PublicKey string `json:"public_key"`
	// Credential is the signed Open Badges 3.0 credential, in the exact
	// RFC 8785 canonical form that was signed.
	Credential json.RawMessage `json:"credential"`
	PDFURL     string          `json:"pdf_url"`
	KeysURL    string          `json:"keys_url"`
}

func certificateView(cert models.Certificate, v workflows.Verification, p i18n.Printer) CertificateView {
	view := CertificateView{
		Serial: cert.Serial, HolderName: v.Credential.CredentialSubject.Name,
		CourseTitle: v.Credential.CredentialSubject.Achievement.Name, IssuerName: v.Credential.Issuer.Name,
		Valid: v.Valid(), SignatureValid: v.SignatureValid, Revoked: v.Revoked,
		Signature: cert.Signature, KeyID: cert.KeyID, Credential: json.RawMessage("null"),
		PDFURL: "/api/v1/certificates/" + cert.Serial + "/pdf", KeysURL: "/api/v1/certificates/keys",
	}
	if json.Valid(cert.Credential) {
		view.Credential = cert.Credential
	}
	if !v.IssuedAt.IsZero() {
		at := v.IssuedAt.UTC()
		view.IssuedAt = &at
	}
	if cert.RevokedAt != nil {
		at := cert.RevokedAt.UTC()
		view.RevokedAt = &at
	}
	if v.PublicKey != nil {
		view.PublicKey = base64.StdEncoding.EncodeToString(v.PublicKey)
	}
	if !v.Problem.IsZero() {
		problem := v.Problem
		view.Problem, view.ProblemReason = p.Render(problem), &problem
	}
	return view
}

// serialParam reads a serial path parameter in its canonical form
// (forgiving case, dashes and O/I/L look-alikes). Anything that cannot be a
// serial is the same 404 as an unknown serial, without a database lookup.
func serialParam(raw string) (string, error) {
	serial, ok := certificates.NormalizeSerial(raw)
	if !ok {
		return "", errNotFound
	}
	return serial, nil
}

// lookupCertificate loads the :serial certificate, with its PDF when
// withPDF. Malformed and unknown serials get the same 404.
func (s *server) lookupCertificate(c echo.Context, withPDF bool) (models.Certificate, error) {
	return s.findCertificate(c.Request().Context(), c.Param("serial"), withPDF)
}

// findCertificate loads the certificate with the user-typed serial raw,
// with its PDF when withPDF. Malformed and unknown serials are the same 404.
func (s *server) findCertificate(ctx context.Context, raw string, withPDF bool) (models.Certificate, error) {
	serial, err := serialParam(raw)
	if err != nil {
		return models.Certificate{}, err
	}
	q := s.db.WithContext(ctx)
	if !withPDF {
		q = q.Omit("pdf")
	}
	var cert models.Certificate
	if err := q.Take(&cert, "serial = ?", serial).Error; err != nil {
		return models.Certificate{}, fmt.Errorf("load certificate %s: %w", serial, err)
	}
	return cert, nil
}

func (s *server) verifyCertificate(c echo.Context) error {
	cert, err := s.lookupCertificate(c, false)
	if err != nil {
		return err
	}
	// Never cached: a revocation must show at once.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, certificateView(cert, workflows.VerifyCertificate(cert, s.certKeys), s.printer(c)))
}

// certificatePDF serves the PDF stored at issuance, only while the
// certificate verifies and is not revoked.
func (s *server) certificatePDF(c echo.Context) error {
	cert, err := s.lookupCertificate(c, true)
	if err != nil {
		return err
	}
	v := workflows.VerifyCertificate(cert, s.certKeys)
	switch {
	case v.Revoked:
		return newError(http.StatusConflict, msg.CertificateRevoked)
	case !v.SignatureValid:
		return &apiError{status: http.StatusConflict, code: codes[http.StatusConflict], msg: v.Problem}
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Disposition", `inline; filename="certificate-`+cert.Serial+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", cert.PDF)
}

// KeysResponse answers GET /certificates/keys.
type KeysResponse struct {
	// Verification says how to check a certificate offline.
	Verification string          `json:"verification"`
	Keys         []PublicKeyView `json:"keys"`
}

// PublicKeyView is one published certificate key.
type PublicKeyView struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	// PublicKey is the 32-byte Ed25519 key in standard base64.
	PublicKey string `json:"public_key"`
	// Current is true for the key that signs new certificates.
	Current bool `json:"current"`
	// JWK is the same key as an RFC 8037 JSON Web Key.
	JWK JWK `json:"jwk"`
}

// JWK is an Ed25519 public key as a JSON Web Key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
}

// keysVerification tells outside verifiers how a certificate is checked.
const keysVerification = "Take the certificate's credential (GET /api/v1/certificates/{serial}), canonicalize it with " +
	"RFC 8785 (JSON Canonicalization Scheme), and check its Ed25519 signature (unpadded base64url) over those bytes " +
	"with the key whose key_id the certificate names. Key ids are \"ed25519:\" and the first 16 hex digits of the " +
	"SHA-256 of the key. Older keys stay listed after a rotation."

func (s *server) certificateKeys(c echo.Context) error {
	out := KeysResponse{Verification: keysVerification, Keys: []PublicKeyView{}}
	for _, k := range s.certKeys.Published() {
		out.Keys = append(out.Keys, PublicKeyView{
			KeyID: k.ID, Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(k.Public), Current: k.Current,
			JWK: JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Public), Kid: k.ID, Use: "sig"},
		})
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, out)
}

// RevokeRequest is the body of POST /admin/certificates/{serial}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason" validate:"required,max=500,nocontrol"`
}

func (s *server) revokeCertificate(c echo.Context) error {
	serial, err := serialParam(c.Param("serial"))
	if err != nil {
		return err
	}
	var req RevokeRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.RevokeCertificate(ctx, s.db, current(c).ID, serial, req.Reason)
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusOK, certificateView(sub.Entity, workflows.VerifyCertificate(sub.Entity, s.certKeys), s.printer(c)))
}

// certificateEvents answers GET /certificates/{serial}/events for the
// holder and admins (the timeline names the admin who revoked, and why).
func (s *server) certificateEvents(c echo.Context) error {
	cert, err := s.lookupCertificate(c, false)
	if err != nil {
		return err
	}
	if !canRead(current(c), cert.AccountID, false) {
		return errNotFound
	}
	return s.events(c, cert.ID)
}
