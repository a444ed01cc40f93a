package certificates

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrBadSignature means the signature is well formed but does not match
	// the payload and public key: the certificate was altered or was signed
	// by another key.
	ErrBadSignature = errors.New("signature does not match")
	// ErrMalformed means the payload is not valid JSON (or not canonicalizable
	// under RFC 8785), or the signature is not 64 bytes of unpadded base64url.
	ErrMalformed = errors.New("malformed certificate or signature")
	// ErrInvalidKey means a signing seed or public key has the wrong
	// encoding or length.
	ErrInvalidKey = errors.New("invalid key")
)

// Canonicalize marshals v with encoding/json and canonicalizes the result
// with the RFC 8785 JSON Canonicalization Scheme (JCS): object keys sorted by
// UTF-16 code units, no insignificant whitespace, ECMAScript number
// formatting and minimal string escaping.
//
// To canonicalize JSON text that you already have, pass it as a
// json.RawMessage; a plain []byte would be marshalled as a base64 string.
// Duplicate object keys are rejected, as RFC 8785 requires.
func Canonicalize(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonicalize: marshal: %w", err)
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("canonicalize: jcs: %w", err)
	}
	return out, nil
}

// KeyPair is an Ed25519 signing key together with its public key and key id.
type KeyPair struct {
	// ID identifies the public key; see [KeyID].
	ID string
	// Private is the Ed25519 private key.
	Private ed25519.PrivateKey
	// Public is the Ed25519 public key.
	Public ed25519.PublicKey
}

// PublicKeyBase64 returns the public key in standard base64, the form in
// which it is published for outside verifiers (see [ParsePublicKey]).
func (kp KeyPair) PublicKeyBase64() string {
	return base64.StdEncoding.EncodeToString(kp.Public)
}

// KeyID derives a key id from an Ed25519 public key: "ed25519:" followed by
// the first 16 hex characters of the SHA-256 of the key. Rotating the key
// therefore changes the id, and the id can be recomputed by anyone holding
// the public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// ParseSigningKey parses a signing key given as the standard base64 encoding
// of a 32-byte Ed25519 seed (for example from an environment variable;
// surrounding whitespace is ignored). Errors wrap [ErrInvalidKey].
func ParseSigningKey(seedBase64 string) (KeyPair, error) {
	seed, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(seedBase64))
	if err != nil {
		return KeyPair{}, fmt.Errorf("parse signing key: %w: not standard base64: %w", ErrInvalidKey, err)
	}
	if len(seed) != ed25519.SeedSize {
		hint := ""
		if len(seed) == ed25519.PrivateKeySize {
			hint = " (this looks like a full 64-byte private key; pass only its first 32 bytes, the seed)"
		}
		return KeyPair{}, fmt.Errorf("parse signing key: %w: decoded seed is %d bytes, want %d%s",
			ErrInvalidKey, len(seed), ed25519.SeedSize, hint)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return KeyPair{ID: KeyID(pub), Private: priv, Public: pub}, nil
}

// GenerateSigningKey creates a new random signing key and returns it both as
// the base64 seed accepted by [ParseSigningKey] (store it as a secret) and
// as a parsed KeyPair.
func GenerateSigningKey() (string, KeyPair, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return "", KeyPair{}, fmt.Errorf("generate signing key: %w", err)
	}
	seedBase64 := base64.StdEncoding.EncodeToString(seed)
	kp, err := ParseSigningKey(seedBase64)
	if err != nil {
		return "", KeyPair{}, fmt.Errorf("generate signing key: %w", err)
	}
	return seedBase64, kp, nil
}

// ParsePublicKey parses a published public key given as the standard base64
// encoding of 32 bytes (the output of [KeyPair.PublicKeyBase64]). Errors wrap
// [ErrInvalidKey].
func ParsePublicKey(b64 string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w: not standard base64: %w", ErrInvalidKey, err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("parse public key: %w: decoded key is %d bytes, want %d",
			ErrInvalidKey, len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// Signed is a signed certificate as stored and served.
type Signed struct {
	// Credential is the RFC 8785 canonical JSON of the [Credential]; these
	// exact bytes were signed.
	Credential json.RawMessage `json:"credential"`
	// KeyID identifies the public key that verifies Signature (see [KeyID]).
	KeyID string `json:"keyId"`
	// Signature is the Ed25519 signature over Credential, encoded as
	// base64url without padding (86 characters).
	Signature string `json:"signature"`
}

// Verify checks s with the public key pub; see the package function
// [Verify]. It does not check that s.KeyID matches pub: look the key up by
// s.KeyID first.
func (s Signed) Verify(pub ed25519.PublicKey) error {
	return Verify(s.Credential, s.Signature, pub)
}

// Sign canonicalizes c with [Canonicalize] and signs the canonical bytes
// with kp's Ed25519 private key.
func Sign(kp KeyPair, c Credential) (Signed, error) {
	if len(kp.Private) != ed25519.PrivateKeySize {
		return Signed{}, fmt.Errorf("sign credential: %w: private key is %d bytes, want %d",
			ErrInvalidKey, len(kp.Private), ed25519.PrivateKeySize)
	}
	canon, err := Canonicalize(c)
	if err != nil {
		return Signed{}, fmt.Errorf("sign credential: %w", err)
	}
	sig := ed25519.Sign(kp.Private, canon)
	id := kp.ID
	if id == "" {
		id = KeyID(kp.Private.Public().(ed25519.PublicKey))
	}
	return Signed{
		Credential: canon,
		KeyID:      id,
		Signature:  base64.RawURLEncoding.EncodeToString(sig),
	}, nil
}

// signatureB64Len is the length of an unpadded base64url Ed25519 signature.
var signatureB64Len = base64.RawURLEncoding.EncodedLen(ed25519.SignatureSize)

// Verify checks an Ed25519 signature (unpadded base64url, as produced by
// [Sign]) over the RFC 8785 canonical form of the JSON document
// canonicalOrAnyJSON. Because the document is re-canonicalized first, JSON
// that an outside party re-serialized with other whitespace or key order
// still verifies; any change of content does not.
//
// It returns nil on success, an error wrapping [ErrMalformed] when the JSON
// or the signature encoding is invalid, [ErrInvalidKey] when pub is not 32
// bytes, and [ErrBadSignature] when the signature does not match.
func Verify(canonicalOrAnyJSON []byte, signature string, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("verify certificate: %w: public key is %d bytes, want %d",
			ErrInvalidKey, len(pub), ed25519.PublicKeySize)
	}
	if len(signature) != signatureB64Len {
		return fmt.Errorf("verify certificate: %w: signature is %d characters, want %d",
			ErrMalformed, len(signature), signatureB64Len)
	}
	// Strict decoding rejects non-zero padding bits, so each signature
	// string maps to exactly one byte sequence. The length check above
	// rules out the CR/LF characters that the decoder would skip.
	sig, err := base64.RawURLEncoding.Strict().DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("verify certificate: %w: signature is not unpadded base64url of %d bytes",
			ErrMalformed, ed25519.SignatureSize)
	}
	if len(canonicalOrAnyJSON) == 0 {
		return fmt.Errorf("verify certificate: %w: empty payload", ErrMalformed)
	}
	canon, err := jcs.Transform(canonicalOrAnyJSON)
	if err != nil {
		return fmt.Errorf("verify certificate: %w: canonicalize payload: %w", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, canon, sig) {
		return fmt.Errorf("verify certificate: %w", ErrBadSignature)
	}
	return nil
}

// crockford is Douglas Crockford's base32 alphabet (no I, L, O or U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var serialEncoding = base32.NewEncoding(crockford).WithPadding(base32.NoPadding)

// Serial layout: 128 random bits are 26 base32 characters, printed in
// groups of 5, 5, 5, 5 and 6 separated by dashes.
const (
	serialBytes = 16
	serialChars = 26 // base32 characters, without dashes
	// SerialLen is the length of a serial from [NewSerial], dashes included.
	SerialLen = serialChars + 4
)

// serialDash reports whether index i of a serial holds a dash.
func serialDash(i int) bool { return i == 5 || i == 11 || i == 17 || i == 23 }

// NewSerial returns a new random, unguessable certificate serial: 128 bits
// from crypto/rand in uppercase Crockford base32, grouped with dashes, e.g.
// "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G" ([SerialLen] characters).
func NewSerial() (string, error) {
	var b [serialBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new serial: %w", err)
	}
	return groupSerial(serialEncoding.EncodeToString(b[:])), nil
}

func groupSerial(s string) string {
	return s[0:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:20] + "-" + s[20:26]
}

// crockfordIndex maps an uppercase Crockford character to its value, or -1.
var crockfordIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(crockford); i++ {
		t[crockford[i]] = int8(i)
	}
	return t
}()

// ValidSerial reports whether s has the exact shape of a serial from
// [NewSerial]: length, dash positions, uppercase Crockford characters, and
// zero padding bits in the last character. It does no I/O and allocates
// nothing, so handlers can reject junk before a database lookup. Use
// [NormalizeSerial] first to accept user-typed variants.
func ValidSerial(s string) bool {
	if len(s) != SerialLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if serialDash(i) {
			if s[i] != '-' {
				return false
			}
			continue
		}
		if crockfordIndex[s[i]] < 0 {
			return false
		}
	}
	// 26 characters carry 130 bits; the last character's low 2 bits are
	// padding and are always zero in a serial that NewSerial produced.
	return crockfordIndex[s[len(s)-1]]&0b11 == 0
}

// NormalizeSerial turns a user-typed serial into canonical form: it drops
// dashes and spaces, uppercases, and maps the Crockford look-alikes O to 0
// and I, L to 1. It returns the canonical serial and whether it is valid.
func NormalizeSerial(s string) (string, bool) {
	if len(s) > 4*SerialLen { // cheap bound for junk input
		return "", false
	}
	var b strings.Builder
	b.Grow(serialChars)
	for _, r := range s {
		switch {
		case r == '-' || r == ' ':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	if b.Len() != serialChars {
		return "", false
	}
	out := groupSerial(b.String())
	if !ValidSerial(out) {
		return "", false
	}
	return out, true
}
