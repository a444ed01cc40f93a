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
	"time"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrBadSignature means the proof is well formed but does not match the
	// document and public key: the document was altered or was signed by
	// another key.
	ErrBadSignature = errors.New("signature does not match")
	// ErrMalformed means a document is not valid JSON, cannot be
	// canonicalized (for example a term no context defines), has no
	// eddsa-rdfc-2022 proof, or its proofValue is not a multibase signature.
	ErrMalformed = errors.New("malformed certificate or signature")
	// ErrInvalidKey means a signing seed or public key has the wrong
	// encoding or length.
	ErrInvalidKey = errors.New("invalid key")
)

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

// Sign secures the credential c with a Data Integrity proof by kp, whose
// verification method is kp's key in the DID document of c's issuer
// ([VerificationMethodID]), created at c's validFrom. It returns the signed
// credential's JSON, as stored and served.
func Sign(kp KeyPair, c Credential) ([]byte, error) {
	created, err := time.Parse(time.RFC3339, c.ValidFrom)
	if err != nil {
		return nil, fmt.Errorf("sign credential: %w: validFrom %q: %w", ErrMalformed, c.ValidFrom, err)
	}
	c.Proof = nil
	out, err := AddProof(kp, VerificationMethodID(c.Issuer.ID, kp.Public), created, c)
	if err != nil {
		return nil, fmt.Errorf("sign credential %s: %w", c.ID, err)
	}
	return out, nil
}

// Verify checks the proof of the signed credential raw (see [VerifyProof])
// and decodes it. Errors wrap [ErrMalformed], [ErrInvalidKey] or
// [ErrBadSignature].
func Verify(raw []byte, resolve KeyResolver) (Credential, error) {
	if _, err := VerifyProof(raw, resolve); err != nil {
		return Credential{}, fmt.Errorf("verify certificate: %w", err)
	}
	var c Credential
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credential{}, fmt.Errorf("verify certificate: %w: %w", ErrMalformed, err)
	}
	return c, nil
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
