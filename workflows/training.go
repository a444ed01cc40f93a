package workflows

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Enrollment states.
const (
	EnrollmentEnrolled  = "enrolled"
	EnrollmentPassed    = "passed"
	EnrollmentFailed    = "failed"
	EnrollmentCertified = "certified"
)

// EnrollmentMachine is a course enrollment's workflow: the training
// platform's result passes or fails it, and a pass earns a certificate.
var EnrollmentMachine = engine.Machine{
	Entity:  "enrollment",
	Initial: EnrollmentEnrolled,
	Transitions: map[string][]string{
		EnrollmentEnrolled: {EnrollmentPassed, EnrollmentFailed},
		EnrollmentPassed:   {EnrollmentCertified},
	},
	Final: []string{EnrollmentFailed, EnrollmentCertified},
}

// Certificate states.
const (
	CertificateValid   = "valid"
	CertificateRevoked = "revoked"
)

// CertificateMachine is a certificate's workflow: issued valid, possibly
// revoked by an admin later.
var CertificateMachine = engine.Machine{
	Entity:      "certificate",
	Initial:     CertificateValid,
	Transitions: map[string][]string{CertificateValid: {CertificateRevoked}},
	Final:       []string{CertificateRevoked},
}

// MaxScore is the top of the score scale of courses and results (0..MaxScore).
const MaxScore = 100

// CertificateIssuePayload names the passed enrollment to certify.
type CertificateIssuePayload struct {
	EnrollmentID string `json:"enrollment_id"`
}

// NewCertificateIssueTask issues the certificate of the passed enrollment
// enrollmentID.
func NewCertificateIssueTask(enrollmentID string) engine.Task {
	return engine.Task{Type: TypeCertificateIssue, Payload: CertificateIssuePayload{EnrollmentID: enrollmentID}}
}

// DecideResult applies a course's pass score to a result: passed (with no
// reasons, an empty list) when score reaches passScore, else failed with
// the reason.
func DecideResult(score, passScore int) (state string, reasons []models.Reason) {
	if score >= passScore {
		return EnrollmentPassed, []models.Reason{}
	}
	return EnrollmentFailed, []models.Reason{
		NewReason("score", msg.TrainingBelowPassScore, msg.Int("score", int64(score)), msg.Int("pass", int64(passScore))),
	}
}

// CertificateKeys are the certificate signing key and the published public
// keys, by key id. The published set is the signing key's public key plus
// older keys kept for rotation, so certificates they signed still verify.
// The zero value has no keys: it issues nothing and verifies nothing.
type CertificateKeys struct {
	signing   *certificates.KeyPair
	published []PublishedKey
}

// PublishedKey is one public key that verifies certificates.
type PublishedKey struct {
	// ID is certificates.KeyID of the key.
	ID string
	// Public is the Ed25519 public key.
	Public ed25519.PublicKey
	// Current is true for the key that signs new certificates.
	Current bool
}

// NewCertificateKeys parses the signing key (the standard base64 Ed25519
// seed of CERT_SIGNING_KEY; empty: none) and older public keys (standard
// base64, from CERT_PUBLIC_KEYS; blanks ignored, duplicates dropped).
func NewCertificateKeys(signingSeed string, olderPublic []string) (CertificateKeys, error) {
	var k CertificateKeys
	if strings.TrimSpace(signingSeed) != "" {
		kp, err := certificates.ParseSigningKey(signingSeed)
		if err != nil {
			return CertificateKeys{}, fmt.Errorf("CERT_SIGNING_KEY: %w", err)
		}
		k.signing = &kp
		k.published = append(k.published, PublishedKey{ID: kp.ID, Public: kp.Public, Current: true})
	}
	for i, raw := range olderPublic {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		pub, err := certificates.ParsePublicKey(raw)
		if err != nil {
			return CertificateKeys{}, fmt.Errorf("CERT_PUBLIC_KEYS: key %d: %w", i+1, err)
		}
		if _, ok := k.PublicKey(certificates.KeyID(pub)); !ok {
			k.published = append(k.published, PublishedKey{ID: certificates.KeyID(pub), Public: pub})
		}
	}
	return k, nil
}

// Signing returns the key that signs new certificates, if one is configured.
func (k CertificateKeys) Signing() (certificates.KeyPair, bool) {
	if k.signing == nil {
		return certificates.KeyPair{}, false
	}
	return *k.signing, true
}

// PublicKey returns the published key with id.
func (k CertificateKeys) PublicKey(id string) (ed25519.PublicKey, bool) {
	for _, p := range k.published {
		if p.ID == id {
			return p.Public, true
		}
	}
	return nil, false
}

// Published lists the published keys, the current signing key first.
func (k CertificateKeys) Published() []PublishedKey {
	return append([]PublishedKey(nil), k.published...)
}

// ErrNoSigningKey means certificates cannot be issued because no signing
// key is configured.
var ErrNoSigningKey = errors.New("no certificate signing key is configured: set CERT_SIGNING_KEY (campusbiz dev generates one) and re-run the task from /monitoring")

// CertificateIssuerName is the issuer printed on certificates and named in
// their credentials.
const CertificateIssuerName = certificates.ProgrammeName + " (" + certificates.ProgrammeNameZH + ") programme"

// VerifyURL is where a certificate is checked online: baseURL/verify/serial.
// It is what the PDF's QR code encodes.
func VerifyURL(baseURL, serial string) string {
	return strings.TrimRight(baseURL, "/") + "/verify/" + serial
}

// CertificateInput gathers what a certificate states. The issuer is the
// programme at baseURL (PUBLIC_BASE_URL), whose did:web DID signs and which
// also roots the verify URL and the status list URL; statusIndex is the
// certificate's allocated bit in the revocation lists (models.Certificate
// StatusIndex); holderID (the account id) appears only hashed with salt.
func CertificateInput(serial, holderName, holderID, salt string, course models.Course, baseURL string,
	issuedAt time.Time, statusIndex int64) (certificates.Input, error) {
	did, err := certificates.DIDWeb(baseURL)
	if err != nil {
		return certificates.Input{}, fmt.Errorf("certificate issuer: PUBLIC_BASE_URL: %w", err)
	}
	list, index := certificates.StatusPosition(statusIndex)
	entry := certificates.NewStatusEntry(StatusListURL(baseURL, list), index)
	return certificates.Input{
		Serial:            serial,
		HolderName:        holderName,
		HolderID:          holderID,
		HolderSalt:        salt,
		CourseID:          course.ID,
		CourseTitle:       course.Title,
		CourseDescription: course.Description,
		IssuerName:        CertificateIssuerName,
		IssuerURL:         strings.TrimRight(baseURL, "/"),
		IssuerDID:         did,
		Status:            &entry,
		IssuedAt:          issuedAt.UTC().Truncate(time.Second),
		VerifyURL:         VerifyURL(baseURL, serial),
	}, nil
}

// Verification is the result of checking a stored certificate.
type Verification struct {
	// Credential is the decoded credential; zero when it does not decode.
	Credential certificates.Credential
	// IssuedAt is the credential's validFrom.
	IssuedAt time.Time
	// PublicKey is the published key named by the certificate's key id;
	// nil when that key is not published.
	PublicKey ed25519.PublicKey
	// SignatureValid is true when the signature checks against the
	// published key and the credential is this serial's.
	SignatureValid bool
	// Revoked is true once an admin revoked the certificate.
	Revoked bool
	// Problem says why the signature does not check (a certificate.*
	// message); zero when it does.
	Problem msg.Message
}

// Valid reports whether the certificate can be trusted: its signature
// checks and it is not revoked.
func (v Verification) Valid() bool { return v.SignatureValid && !v.Revoked }

// VerifyCertificate re-checks a stored certificate as an outside verifier
// would: the credential's Data Integrity proof against the published key
// its verification method names (a key of the credential issuer's DID),
// the credential's id against the serial (so a signed credential cannot be
// passed off under another serial), and revocation.
func VerifyCertificate(c models.Certificate, keys CertificateKeys) Verification {
	v := Verification{Revoked: c.Status == CertificateRevoked}
	if err := json.Unmarshal(c.Credential, &v.Credential); err != nil || v.Credential.Proof == nil {
		v.Credential = certificates.Credential{}
		v.Problem = msg.New(msg.CertificateBadCredential)
		return v
	}
	v.IssuedAt, _ = time.Parse(time.RFC3339, v.Credential.ValidFrom)
	keyID, ok := certificates.KeyIDOfMethod(v.Credential.Issuer.ID, v.Credential.Proof.VerificationMethod)
	pub, published := keys.PublicKey(keyID)
	if !ok || !published {
		v.Problem = msg.New(msg.CertificateKeyUnpublished, msg.Text("key", v.Credential.Proof.VerificationMethod))
		return v
	}
	v.PublicKey = pub
	if _, err := certificates.VerifyProof(c.Credential, func(string) (ed25519.PublicKey, error) { return pub, nil }); err != nil {
		v.Problem = msg.New(msg.CertificateBadSignature)
		return v
	}
	if v.Credential.ID != certificates.CertificateIDPrefix+c.Serial {
		v.Problem = msg.New(msg.CertificateSerialMismatch)
		return v
	}
	v.SignatureValid = true
	return v
}

// CertificatePDF renders the printable certificate of a verified
// credential: holder, course, date, issuer, serial and a QR code of the
// verify URL under the credential's issuer URL (the PUBLIC_BASE_URL it was
// issued under). The date is printed in zone (the TIME_ZONE setting; UTC
// when nil), as the verify page shows it. Everything
// printed comes from the signed credential, so the PDF never says more than
// the signature covers.
func CertificatePDF(v Verification, serial string, zone *time.Location) ([]byte, error) {
	if zone == nil {
		zone = time.UTC
	}
	if !v.SignatureValid {
		return nil, fmt.Errorf("render certificate %s: %s", serial, v.Problem)
	}
	cred := v.Credential
	pdf, err := certificates.RenderPDF(certificates.PDFInput{Input: certificates.Input{
		Serial:      serial,
		HolderName:  cred.CredentialSubject.Name,
		CourseTitle: cred.CredentialSubject.Achievement.Name,
		IssuerName:  cred.Issuer.Name,
		IssuedAt:    v.IssuedAt.In(zone),
		VerifyURL:   VerifyURL(cred.Issuer.URL, serial),
	}})
	if err != nil {
		return nil, fmt.Errorf("render certificate %s: %w", serial, err)
	}
	return pdf, nil
}
