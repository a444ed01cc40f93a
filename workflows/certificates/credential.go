// Package certificates issues verifiable training certificates for the
// Tomorrow's Online Merchants (明日网商) programme.
//
// A certificate is an Open Badges 3.0 / W3C Verifiable Credentials data
// model v2 shaped JSON document ([Credential]), canonicalized with RFC 8785
// JSON Canonicalization Scheme ([Canonicalize]) and signed with Ed25519
// ([Sign]). Anyone holding the published public key can check a certificate
// with [Verify], independent of whitespace or key order in the JSON they
// received. [RenderPDF] renders a printable A4 certificate with a QR code
// that points to the online verification page.
//
// The package is pure Go: it does no I/O except reading an optional CJK font
// file for the PDF, and it has no database or HTTP dependencies.
package certificates

import (
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
	// CourseID is the course's stable identifier in campusbiz.
	CourseID string
	// CourseTitle is the human readable course title.
	CourseTitle string
	// CourseDescription describes the course; when empty the course title
	// is used, because Open Badges requires an achievement description.
	CourseDescription string
	// IssuerName is the issuing organisation's display name.
	IssuerName string
	// IssuerURL is the issuing organisation's URL, used as the issuer id.
	IssuerURL string
	// IssuedAt is the issuance instant. The credential stores it in UTC at
	// second precision; the PDF prints its date in IssuedAt's location.
	IssuedAt time.Time
	// VerifyURL is the public page where the certificate can be checked.
	// It is put into the credential's description and the PDF's QR code.
	VerifyURL string
}

// Credential is a certificate payload shaped after Open Badges 3.0
// (OpenBadgeCredential) and the W3C Verifiable Credentials data model v2.
// It carries no embedded proof: the signature travels next to it in
// [Signed], computed over the JCS-canonical JSON of this struct.
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
}

// Issuer is an Open Badges Profile describing the issuing organisation.
type Issuer struct {
	// ID is the issuer's URL (a URI, as Open Badges requires).
	ID string `json:"id"`
	// Type is ["Profile"].
	Type []string `json:"type"`
	// Name is the issuer's display name.
	Name string `json:"name"`
}

// Subject is an Open Badges AchievementSubject: the certificate holder.
type Subject struct {
	// Type is ["AchievementSubject"].
	Type []string `json:"type"`
	// Name is the holder's display name.
	Name string `json:"name"`
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
			ID:   in.IssuerURL,
			Type: []string{"Profile"},
			Name: in.IssuerName,
		},
		ValidFrom: FormatValidFrom(in.IssuedAt),
		Name:      ProgrammeName + " certificate: " + in.CourseTitle,
		CredentialSubject: Subject{
			Type: []string{"AchievementSubject"},
			Name: in.HolderName,
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
	if in.VerifyURL != "" {
		c.Description = "Verify this certificate at " + in.VerifyURL
	}
	return c
}
