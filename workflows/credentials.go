package workflows

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// StatusListPath is the public route of a revocation status list
// credential, under which list n is StatusListPath + n. Like the verify
// page and the DID document it lives outside the versioned API: signed
// credentials name it for as long as they are kept.
const StatusListPath = "/credentials/status/"

// StatusListURL is the URL of revocation status list n under baseURL
// (PUBLIC_BASE_URL): what certificates' credentialStatus names.
func StatusListURL(baseURL string, list int64) string {
	return strings.TrimRight(baseURL, "/") + StatusListPath + strconv.FormatInt(list, 10)
}

// DIDDocument is the issuer's did:web document at baseURL: every published
// key (the signing key first, then the rotated-out ones) as a Multikey
// usable for assertions, so that certificates any of them signed verify.
func (k CertificateKeys) DIDDocument(baseURL string) (certificates.DIDDocument, error) {
	did, err := certificates.DIDWeb(baseURL)
	if err != nil {
		return certificates.DIDDocument{}, fmt.Errorf("DID document: PUBLIC_BASE_URL: %w", err)
	}
	pubs := make([]ed25519.PublicKey, 0, len(k.published))
	for _, p := range k.published {
		pubs = append(pubs, p.Public)
	}
	return certificates.NewDIDDocument(did, pubs), nil
}

// SignStatusList signs revocation status list n under baseURL with the
// current signing key, the bits of revoked (indexes within the list) set,
// dated now. It fails with ErrNoSigningKey when there is no signing key.
func (k CertificateKeys) SignStatusList(baseURL string, list int64, revoked []int, now time.Time) (models.CertificateStatusList, error) {
	key, ok := k.Signing()
	if !ok {
		return models.CertificateStatusList{}, ErrNoSigningKey
	}
	did, err := certificates.DIDWeb(baseURL)
	if err != nil {
		return models.CertificateStatusList{}, fmt.Errorf("status list %d: PUBLIC_BASE_URL: %w", list, err)
	}
	now = now.UTC().Truncate(time.Second)
	slc, err := certificates.NewStatusListCredential(StatusListURL(baseURL, list), did, revoked, now)
	if err != nil {
		return models.CertificateStatusList{}, err
	}
	raw, err := certificates.AddProof(key, certificates.VerificationMethodID(did, key.Public), now, slc)
	if err != nil {
		return models.CertificateStatusList{}, fmt.Errorf("sign status list %d: %w", list, err)
	}
	return models.CertificateStatusList{List: list, Credential: raw, KeyID: key.ID, SignedAt: now}, nil
}

// SignCertificate signs the credential of in with key and returns its JSON
// (as stored and served) and the proof's proofValue (kept beside it for
// lists and views).
func SignCertificate(key certificates.KeyPair, in certificates.Input) (credential []byte, proofValue string, err error) {
	signed, err := certificates.Sign(key, certificates.NewCredential(in))
	if err != nil {
		return nil, "", err
	}
	var p struct {
		Proof certificates.Proof `json:"proof"`
	}
	if err := json.Unmarshal(signed, &p); err != nil {
		return nil, "", fmt.Errorf("read the proof of certificate %s: %w", in.Serial, err)
	}
	return signed, p.Proof.ProofValue, nil
}
