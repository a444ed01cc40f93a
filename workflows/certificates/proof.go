package certificates

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/piprate/json-gold/ld"
)

// Data Integrity proof constants (W3C vc-data-integrity, vc-di-eddsa).
const (
	// ProofType is the proof's "type".
	ProofType = "DataIntegrityProof"
	// Cryptosuite is the proof's "cryptosuite": Ed25519 over RDFC-1.0.
	Cryptosuite = "eddsa-rdfc-2022"
	// ProofPurpose is the proof's "proofPurpose".
	ProofPurpose = "assertionMethod"
)

// maxDocument bounds the JSON documents [VerifyProof] accepts; a
// certificate or a status list credential is a few kilobytes.
const maxDocument = 256 << 10

// Proof is an embedded Data Integrity proof.
type Proof struct {
	// Type is [ProofType].
	Type string `json:"type"`
	// Cryptosuite is [Cryptosuite].
	Cryptosuite string `json:"cryptosuite"`
	// Created is when the proof was made, RFC 3339 in UTC.
	Created string `json:"created,omitempty"`
	// VerificationMethod is the DID URL of the Multikey that verifies it.
	VerificationMethod string `json:"verificationMethod"`
	// ProofPurpose is [ProofPurpose].
	ProofPurpose string `json:"proofPurpose"`
	// ProofValue is the Ed25519 signature, multibase base58btc ('z').
	ProofValue string `json:"proofValue,omitempty"`
}

// canonicalize returns the RDFC-1.0 canonical N-Quads of the JSON-LD
// document doc (URDNA2015 in json-gold, the same algorithm), with the
// contexts served offline and in safe mode: a term no context defines is an
// error rather than silently dropped, so it cannot escape the signature.
func canonicalize(doc map[string]any) ([]byte, error) {
	opts := ld.NewJsonLdOptions("")
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = offlineLoader{}
	opts.SafeMode = true
	// json-gold's Normalize does not pass SafeMode on to its own toRDF
	// step, so the dataset is built here (in safe mode) and normalized.
	ds, err := ld.NewJsonLdProcessor().ToRDF(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("rdfc-1.0: %w", err)
	}
	dataset, ok := ds.(*ld.RDFDataset)
	if !ok {
		return nil, fmt.Errorf("rdfc-1.0: toRDF gave %T", ds)
	}
	opts.Format = "application/n-quads"
	opts.Algorithm = ld.AlgorithmURDNA2015
	out, err := ld.NewJsonLdApi().Normalize(dataset, opts)
	if err != nil {
		return nil, fmt.Errorf("rdfc-1.0: %w", err)
	}
	s, ok := out.(string)
	if !ok || s == "" {
		return nil, fmt.Errorf("rdfc-1.0: the document has no statements")
	}
	return []byte(s), nil
}

// hashData is vc-di-eddsa's hash of a document and its proof
// configuration: SHA-256(canonical proof config) || SHA-256(canonical
// document).
func hashData(doc map[string]any, config map[string]any) ([]byte, error) {
	canonDoc, err := canonicalize(doc)
	if err != nil {
		return nil, fmt.Errorf("canonicalize document: %w", err)
	}
	canonConfig, err := canonicalize(config)
	if err != nil {
		return nil, fmt.Errorf("canonicalize proof config: %w", err)
	}
	c, d := sha256.Sum256(canonConfig), sha256.Sum256(canonDoc)
	return append(c[:], d[:]...), nil
}

// proofConfig is the proof without its value, in the document's context.
func proofConfig(p Proof, context any) (map[string]any, error) {
	p.ProofValue = ""
	m, err := toMap(p)
	if err != nil {
		return nil, err
	}
	m["@context"] = context
	return m, nil
}

// toMap turns v into the generic JSON value json-gold works on.
func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return decodeObject(raw)
}

// decodeObject decodes a JSON object, rejecting trailing data.
func decodeObject(raw []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	return m, nil
}

// AddProof secures the JSON-LD document v (a [Credential], a
// [StatusListCredential], ...; any "proof" it has is replaced) with an
// eddsa-rdfc-2022 Data Integrity proof made by kp and verified by the
// Multikey verificationMethod, created at created. It returns the secured
// document's JSON.
func AddProof(kp KeyPair, verificationMethod string, created time.Time, v any) ([]byte, error) {
	if len(kp.Private) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("add proof: %w: private key is %d bytes, want %d",
			ErrInvalidKey, len(kp.Private), ed25519.PrivateKeySize)
	}
	doc, err := toMap(v)
	if err != nil {
		return nil, fmt.Errorf("add proof: %w", err)
	}
	delete(doc, "proof")
	p := Proof{Type: ProofType, Cryptosuite: Cryptosuite, Created: FormatValidFrom(created),
		VerificationMethod: verificationMethod, ProofPurpose: ProofPurpose}
	config, err := proofConfig(p, doc["@context"])
	if err != nil {
		return nil, fmt.Errorf("add proof: %w", err)
	}
	data, err := hashData(doc, config)
	if err != nil {
		return nil, fmt.Errorf("add proof: %w", err)
	}
	p.ProofValue = "z" + EncodeBase58(ed25519.Sign(kp.Private, data))
	doc["proof"] = p
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("add proof: marshal: %w", err)
	}
	return out, nil
}

// KeyResolver returns the Ed25519 key of a verification method, or an error
// when it does not know it.
type KeyResolver func(verificationMethod string) (ed25519.PublicKey, error)

// VerifyProof checks the eddsa-rdfc-2022 proof embedded in the JSON
// document raw, as vc-di-eddsa's verification algorithm does: the proof's
// type, cryptosuite and purpose, then the Ed25519 signature over the hashes
// of the canonical proof configuration and the canonical document without
// its proof, with the key resolve gives for the proof's verification
// method. It returns the proof on success. Errors wrap [ErrMalformed] (not
// JSON, no proof, not canonicalizable), [ErrInvalidKey] (unknown method)
// or [ErrBadSignature].
func VerifyProof(raw []byte, resolve KeyResolver) (Proof, error) {
	if len(raw) > maxDocument {
		return Proof{}, fmt.Errorf("verify proof: %w: document is %d bytes, at most %d", ErrMalformed, len(raw), maxDocument)
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return Proof{}, fmt.Errorf("verify proof: %w", err)
	}
	proofRaw, err := json.Marshal(doc["proof"])
	if err != nil {
		return Proof{}, fmt.Errorf("verify proof: %w: %w", ErrMalformed, err)
	}
	var p Proof
	if err := json.Unmarshal(proofRaw, &p); err != nil {
		return Proof{}, fmt.Errorf("verify proof: %w: proof is not one object: %w", ErrMalformed, err)
	}
	if p.Type != ProofType || p.Cryptosuite != Cryptosuite || p.ProofPurpose != ProofPurpose {
		return Proof{}, fmt.Errorf("verify proof: %w: want a %s %s proof for %s", ErrMalformed, ProofType, Cryptosuite, ProofPurpose)
	}
	if len(p.ProofValue) < 2 || p.ProofValue[0] != 'z' {
		return Proof{}, fmt.Errorf("verify proof: %w: proofValue is not multibase base58btc", ErrMalformed)
	}
	sig, err := DecodeBase58(p.ProofValue[1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Proof{}, fmt.Errorf("verify proof: %w: proofValue is not a %d-byte signature", ErrMalformed, ed25519.SignatureSize)
	}
	pub, err := resolve(p.VerificationMethod)
	if err != nil {
		return Proof{}, fmt.Errorf("verify proof: %w", err)
	}
	// The proof as received, without its value: every field of it is
	// covered, including ones this struct does not know.
	config, ok := doc["proof"].(map[string]any)
	if !ok {
		return Proof{}, fmt.Errorf("verify proof: %w: proof is not an object", ErrMalformed)
	}
	delete(config, "proofValue")
	if own, has := config["@context"]; has {
		// vc-data-integrity: a proof's own context must be where the
		// document's starts.
		if !contextStartsWith(doc["@context"], own) {
			return Proof{}, fmt.Errorf("verify proof: %w: the proof's @context is not the start of the document's", ErrMalformed)
		}
	} else {
		config["@context"] = doc["@context"]
	}
	delete(doc, "proof")
	data, err := hashData(doc, config)
	if err != nil {
		return Proof{}, fmt.Errorf("verify proof: %w: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, data, sig) {
		return Proof{}, fmt.Errorf("verify proof: %w", ErrBadSignature)
	}
	return p, nil
}

// contextStartsWith reports whether the @context value doc begins with the
// entries of the @context value prefix (either may be one value or a list).
func contextStartsWith(doc, prefix any) bool {
	list := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	d, p := list(doc), list(prefix)
	if len(p) > len(d) {
		return false
	}
	for i := range p {
		a, err1 := json.Marshal(d[i])
		b, err2 := json.Marshal(p[i])
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}
