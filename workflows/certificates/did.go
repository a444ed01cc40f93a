package certificates

import (
	"crypto/ed25519"
	"fmt"
	"net/url"
	"strings"
)

// JSON-LD contexts of the issuer's DID document.
const (
	// ContextDIDv1 is the W3C DID core context.
	ContextDIDv1 = "https://www.w3.org/ns/did/v1"
	// ContextMultikeyV1 defines the Multikey verification method type.
	ContextMultikeyV1 = "https://w3id.org/security/multikey/v1"
)

// DIDWeb derives the issuer's did:web identifier from the public base URL
// (PUBLIC_BASE_URL): "did:web:" + the host, with a port percent-encoded as
// "%3A", e.g. http://127.0.0.1:8080 → did:web:127.0.0.1%3A8080 and
// https://campusbiz.example.cn → did:web:campusbiz.example.cn. The DID
// document is therefore resolved at the host's /.well-known/did.json, which
// campusbiz serves; any path in the base URL is ignored. Standard resolvers
// fetch it over https.
func DIDWeb(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("did:web of %q: not an absolute URL with a host", baseURL)
	}
	id := "did:web:" + strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" {
		id += "%3A" + p
	}
	return id, nil
}

// VerificationMethodID is the DID URL of the key pub in the DID document of
// did: did + "#" + the key id with ':' as '-', e.g.
// did:web:campusbiz.example.cn#ed25519-56475aa75463474c.
func VerificationMethodID(did string, pub ed25519.PublicKey) string {
	return did + "#" + strings.Replace(KeyID(pub), ":", "-", 1)
}

// KeyIDOfMethod returns the key id ([KeyID]) a verification method of did
// names, and whether vm is one of did's methods at all.
func KeyIDOfMethod(did, vm string) (string, bool) {
	frag, ok := strings.CutPrefix(vm, did+"#")
	if !ok {
		return "", false
	}
	id, ok := strings.CutPrefix(frag, "ed25519-")
	if !ok || len(id) != 16 {
		return "", false
	}
	return "ed25519:" + id, true
}

// DIDDocument is the issuer's DID document: a Multikey verification method
// per public key ever used, each usable for assertions (signing
// credentials).
type DIDDocument struct {
	// Context is [ContextDIDv1, ContextMultikeyV1].
	Context []string `json:"@context"`
	// ID is the DID.
	ID string `json:"id"`
	// VerificationMethod lists the keys.
	VerificationMethod []VerificationMethod `json:"verificationMethod"`
	// AssertionMethod lists every key's method id.
	AssertionMethod []string `json:"assertionMethod"`
}

// VerificationMethod is a Multikey in a DID document.
type VerificationMethod struct {
	// ID is [VerificationMethodID].
	ID string `json:"id"`
	// Type is "Multikey".
	Type string `json:"type"`
	// Controller is the DID.
	Controller string `json:"controller"`
	// PublicKeyMultibase is [EncodeMultikey] of the key.
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// NewDIDDocument lists keys (the current signing key first, then older
// ones) in did's document.
func NewDIDDocument(did string, keys []ed25519.PublicKey) DIDDocument {
	d := DIDDocument{Context: []string{ContextDIDv1, ContextMultikeyV1}, ID: did,
		VerificationMethod: []VerificationMethod{}, AssertionMethod: []string{}}
	for _, k := range keys {
		vm := VerificationMethodID(did, k)
		d.VerificationMethod = append(d.VerificationMethod, VerificationMethod{
			ID: vm, Type: "Multikey", Controller: did, PublicKeyMultibase: EncodeMultikey(k)})
		d.AssertionMethod = append(d.AssertionMethod, vm)
	}
	return d
}
