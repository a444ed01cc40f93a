package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// CertificateView answers GET /certificates/{serial} (and /verify/{serial}):
// the certificate as re-checked now. An outside verifier needs only
// Credential, the issuer's DID document and its status list.
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
	// Problem says why the signature does not check, rendered in the
	// request's language; ProblemReason is its code and parameters.
	Problem       string       `json:"problem,omitempty"`
	ProblemReason *msg.Message `json:"problem_reason,omitempty"`
	Signature     string       `json:"signature"`
	KeyID         string       `json:"key_id"`
	// PublicKey is the standard base64 Ed25519 key named by KeyID; empty
	// when that key is not published.
	PublicKey string `json:"public_key"`
	// Credential is the signed W3C VC 2.0 / Open Badges 3.0 credential with
	// its Data Integrity proof, as issued (also served alone at
	// /api/v1/certificates/{serial}/credential).
	Credential json.RawMessage `json:"credential"`
	PDFURL     string          `json:"pdf_url"`
	KeysURL    string          `json:"keys_url"`
}

func certificateView(cert app.Certificate, pr i18n.Printer) CertificateView {
	v := cert.Verification
	view := CertificateView{
		Serial: cert.Serial, HolderName: v.Credential.CredentialSubject.Name,
		CourseTitle: v.Credential.CredentialSubject.Achievement.Name, IssuerName: v.Credential.Issuer.Name,
		Valid: v.Valid(), SignatureValid: v.SignatureValid, Revoked: v.Revoked,
		Signature: cert.Signature, KeyID: cert.KeyID, Credential: json.RawMessage("null"),
		PDFURL: "/api/v1/certificates/" + cert.Serial + "/pdf", KeysURL: "/api/v1/certificates/keys",
	}
	if !v.Problem.IsZero() {
		problem := v.Problem
		view.Problem, view.ProblemReason = pr.Render(problem), &problem
	}
	if json.Valid(cert.Credential) {
		view.Credential = cert.Credential
	}
	if !v.IssuedAt.IsZero() {
		at := v.IssuedAt.UTC()
		view.IssuedAt = &at
	}
	view.RevokedAt = utc(cert.RevokedAt)
	if v.PublicKey != nil {
		view.PublicKey = base64.StdEncoding.EncodeToString(v.PublicKey)
	}
	return view
}

func (s *server) verifyCertificate(c echo.Context) error {
	cert, err := s.app.Certificate(c.Request().Context(), c.Param("serial"), false)
	if err != nil {
		return err
	}
	// Never cached: a revocation must show at once.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, certificateView(cert, printer(c)))
}

// certificatePDF serves the PDF stored at issuance, only while the
// certificate verifies and is not revoked.
func (s *server) certificatePDF(c echo.Context) error {
	cert, err := s.app.CertificatePDF(c.Request().Context(), c.Param("serial"))
	if err != nil {
		return err
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
const keysVerification = "A certificate is a W3C Verifiable Credential 2.0 (Open Badges 3.0) at " +
	"GET /api/v1/certificates/{serial}/credential with an embedded Data Integrity proof (cryptosuite eddsa-rdfc-2022). " +
	"Its verificationMethod is a Multikey in the issuer's did:web DID document (GET /.well-known/did.json), which " +
	"lists these keys, older ones included after a rotation; its credentialStatus points at a signed Bitstring " +
	"Status List (GET /credentials/status/{list}). Any standard verifier checks both; see the README. " +
	"Key ids are \"ed25519:\" and the first 16 hex digits of the SHA-256 of the key."

func (s *server) certificateKeys(c echo.Context) error {
	out := KeysResponse{Verification: keysVerification, Keys: []PublicKeyView{}}
	for _, k := range s.app.CertificateKeys() {
		out.Keys = append(out.Keys, PublicKeyView{
			KeyID: k.ID, Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(k.Public), Current: k.Current,
			JWK: JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Public), Kid: k.ID, Use: "sig"},
		})
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, out)
}

func (s *server) revokeCertificate(c echo.Context) error {
	var in app.RevokeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cert, err := s.app.RevokeCertificate(c.Request().Context(), actor(c), c.Param("serial"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, certificateView(cert, printer(c)))
}

// credentialMediaType is the media type credentials and status lists are
// served with: the W3C VC data model's JSON-LD media type. Clients that
// ask for JSON read it as JSON.
const credentialMediaType = "application/vc+ld+json"

// certificateCredential serves the certificate's signed credential as it
// was issued (revoked ones too: their status list says so).
func (s *server) certificateCredential(c echo.Context) error {
	cert, err := s.app.CertificateCredential(c.Request().Context(), c.Param("serial"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	// The credential never changes once issued; its status lives in the
	// status list.
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Content-Disposition", `inline; filename="certificate-`+cert.Serial+`.json"`)
	return c.Blob(http.StatusOK, credentialMediaType, cert.Credential)
}

// statusList serves a signed revocation status list credential. Verifiers
// may keep it a minute and then revalidate it by its ETag.
func (s *server) statusList(c echo.Context) error {
	n, err := strconv.ParseInt(c.Param("list"), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != c.Param("list") {
		return workflows.ErrNotFound
	}
	sl, err := s.app.StatusList(c.Request().Context(), n)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(sl.Credential)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=60")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, credentialMediaType, sl.Credential)
}

// didDocument serves the issuer's did:web DID document: every published
// key as a Multikey.
func (s *server) didDocument(c echo.Context) error {
	doc, err := s.app.DIDDocument()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, doc)
}
