// Package certificates issues verifiable training certificates for the
// Tomorrow's Online Merchants (明日网商) programme.
//
// A certificate is a W3C Verifiable Credential 2.0 / Open Badges 3.0
// OpenBadgeCredential ([Credential]) secured with an embedded Data Integrity
// proof of the eddsa-rdfc-2022 cryptosuite ([AddProof], [VerifyProof]): the
// document and the proof configuration are canonicalized with RDFC-1.0
// (json-gold, contexts served offline from embedded copies), hashed with
// SHA-256 and signed with Ed25519. The verification method is a Multikey in
// the issuer's did:web DID document ([DIDWeb], [NewDIDDocument]); the
// credential's status is a BitstringStatusListEntry in a revocation list
// ([NewStatusListCredential]). Standard verifiers (for example Digital
// Bazaar's @digitalbazaar/vc) check them without campusbiz code.
// [RenderPDF] renders a printable A4 certificate with a QR code that points
// to the online verification page.
//
// The package is pure Go: it does no I/O except reading an optional CJK font
// file for the PDF, and it has no database or HTTP dependencies.
package certificates

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// Programme names printed on certificates and embedded in credentials.
const (
	// ProgrammeName is the English name of the programme.
	ProgrammeName = "Tomorrow's Online Merchants"
	// ProgrammeNameZH is the Chinese name of the programme.
	ProgrammeNameZH = "明日网商"
)

// JSON-LD contexts, types and identifier prefixes used in credentials.
const (
	// ContextVCv2 is the W3C Verifiable Credentials data model v2 context.
	ContextVCv2 = "https://www.w3.org/ns/credentials/v2"
	// ContextOBv3 is the Open Badges 3.0 context.
	ContextOBv3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	// CertificateIDPrefix prefixes the serial in a credential's "id".
	CertificateIDPrefix = "urn:campusbiz:certificate:"
	// CourseIDPrefix prefixes the (path-escaped) course id in an
	// achievement's "id".
	CourseIDPrefix = "urn:campusbiz:course:"
)

// Input holds the plain fields a certificate is built from. It is shared by
// [NewCredential] and [RenderPDF] (through [PDFInput]).
type Input struct {
	// Serial is the certificate serial, normally from [NewSerial].
	Serial string
	// HolderName is the learner's display name; it may be Chinese.
	HolderName string
	// HolderID is the learner's account id. The credential carries only its
	// salted SHA-256 ([HolderIdentity]), never the id itself.
	HolderID string
	// HolderSalt salts HolderID's hash; a fresh [NewSalt] per certificate,
	// so two certificates of one learner are not linkable by the hash.
	HolderSalt string
	// CourseID is the course's stable identifier in campusbiz.
	CourseID string
	// CourseTitle is the human readable course title.
	CourseTitle string
	// CourseDescription describes the course; when empty the course title
	// is used, because Open Badges requires an achievement description.
	CourseDescription string
	// IssuerName is the issuing organisation's display name.
	IssuerName string
	// IssuerURL is the issuing organisation's URL (PUBLIC_BASE_URL), the
	// Profile's "url".
	IssuerURL string
	// IssuerDID is the issuer's DID ([DIDWeb] of IssuerURL), the Profile's
	// "id" and the controller of the keys that sign.
	IssuerDID string
	// Status is the certificate's revocation entry; nil: none.
	Status *StatusEntry
	// IssuedAt is the issuance instant. The credential stores it in UTC at
	// second precision; the PDF prints its date in IssuedAt's location.
	IssuedAt time.Time
	// VerifyURL is the public page where the certificate can be checked.
	// It is put into the credential's description and the PDF's QR code.
	VerifyURL string
}

// Credential is a certificate: an Open Badges 3.0 OpenBadgeCredential and a
// W3C Verifiable Credential 2.0. [AddProof] adds its Proof.
type Credential struct {
	// Context is the JSON-LD "@context": [ContextVCv2, ContextOBv3].
	Context []string `json:"@context"`
	// ID is CertificateIDPrefix + serial.
	ID string `json:"id"`
	// Type is ["VerifiableCredential", "OpenBadgeCredential"].
	Type []string `json:"type"`
	// Issuer identifies who issued the credential.
	Issuer Issuer `json:"issuer"`
	// ValidFrom is the issuance instant, RFC 3339 in UTC at second
	// precision, e.g. "2025-06-01T08:30:00Z".
	ValidFrom string `json:"validFrom"`
	// Name is a human readable name of the credential.
	Name string `json:"name"`
	// Description tells a human reader where to verify the credential.
	Description string `json:"description,omitempty"`
	// CredentialSubject is the holder and what they achieved.
	CredentialSubject Subject `json:"credentialSubject"`
	// CredentialStatus is where the certificate's revocation is published.
	CredentialStatus *StatusEntry `json:"credentialStatus,omitempty"`
	// Proof is the Data Integrity proof; nil before signing.
	Proof *Proof `json:"proof,omitempty"`
}

// Issuer is an Open Badges Profile describing the issuing organisation.
type Issuer struct {
	// ID is the issuer's DID.
	ID string `json:"id"`
	// Type is ["Profile"].
	Type []string `json:"type"`
	// Name is the issuer's display name.
	Name string `json:"name"`
	// URL is the issuer's web site (PUBLIC_BASE_URL); verify URLs are under
	// it.
	URL string `json:"url"`
}

// Subject is an Open Badges AchievementSubject: the certificate holder,
// named as on the printed certificate and identified only by a salted hash
// of their account id: no e-mail, student number, college or account id.
type Subject struct {
	// Type is ["AchievementSubject"].
	Type []string `json:"type"`
	// Name is the holder's display name, as printed on the PDF.
	Name string `json:"name"`
	// Identifier is the holder's hashed identity ([HolderIdentity]).
	Identifier []IdentityObject `json:"identifier"`
	// Achievement is the completed course.
	Achievement Achievement `json:"achievement"`
}

// Achievement is an Open Badges Achievement: the completed course.
type Achievement struct {
	// ID is CourseIDPrefix + the path-escaped course id.
	ID string `json:"id"`
	// Type is ["Achievement"].
	Type []string `json:"type"`
	// Name is the course title.
	Name string `json:"name"`
	// Description describes the course.
	Description string `json:"description"`
	// Criteria says what was required to earn the achievement.
	Criteria Criteria `json:"criteria"`
}

// IdentityObject is an Open Badges IdentityObject: a hashed identifier.
type IdentityObject struct {
	// Type is "IdentityObject".
	Type string `json:"type"`
	// Hashed is true: IdentityHash is a hash, not the identifier.
	Hashed bool `json:"hashed"`
	// IdentityHash is "sha256$" + the hex SHA-256 of identifier + salt.
	IdentityHash string `json:"identityHash"`
	// IdentityType is "systemId": an id in the issuer's system.
	IdentityType string `json:"identityType"`
	// Salt is appended to the identifier before hashing.
	Salt string `json:"salt"`
}

// HolderIdentity is the hashed identity of the account id with salt, as
// Open Badges hashes identities: "sha256$" + hex(SHA-256(id + salt)).
// Whoever knows the account id (the holder, campusbiz) can recompute it;
// nobody learns the id from it.
func HolderIdentity(id, salt string) IdentityObject {
	sum := sha256.Sum256([]byte(id + salt))
	return IdentityObject{Type: "IdentityObject", Hashed: true, IdentityHash: "sha256$" + hex.EncodeToString(sum[:]),
		IdentityType: "systemId", Salt: salt}
}

// NewSalt returns a random 128-bit salt in hex for [HolderIdentity].
func NewSalt() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new salt: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Criteria is an Open Badges Criteria object.
type Criteria struct {
	// Narrative describes in prose what the holder did to earn it.
	Narrative string `json:"narrative"`
}

// FormatValidFrom formats t as a credential "validFrom" value: RFC 3339 in
// UTC, truncated to whole seconds.
func FormatValidFrom(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// NewCredential builds the credential payload for in. It does not validate
// the fields; callers should pass a serial from [NewSerial] (see
// [ValidSerial]) and non-empty names, titles and URLs.
func NewCredential(in Input) Credential {
	desc := in.CourseDescription
	if desc == "" {
		desc = in.CourseTitle
	}
	c := Credential{
		Context: []string{ContextVCv2, ContextOBv3},
		ID:      CertificateIDPrefix + in.Serial,
		Type:    []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer: Issuer{
			ID:   in.IssuerDID,
			Type: []string{"Profile"},
			Name: in.IssuerName,
			URL:  in.IssuerURL,
		},
		ValidFrom: FormatValidFrom(in.IssuedAt),
		Name:      ProgrammeName + " certificate: " + in.CourseTitle,
		CredentialSubject: Subject{
			Type:       []string{"AchievementSubject"},
			Name:       in.HolderName,
			Identifier: []IdentityObject{HolderIdentity(in.HolderID, in.HolderSalt)},
			Achievement: Achievement{
				ID:          CourseIDPrefix + url.PathEscape(in.CourseID),
				Type:        []string{"Achievement"},
				Name:        in.CourseTitle,
				Description: desc,
				Criteria: Criteria{
					Narrative: "Completed the course \"" + in.CourseTitle + "\" of the " +
						ProgrammeName + " (" + ProgrammeNameZH + ") programme.",
				},
			},
		},
	}
	c.CredentialStatus = in.Status
	if in.VerifyURL != "" {
		c.Description = "Verify this certificate at " + in.VerifyURL
	}
	return c
}
