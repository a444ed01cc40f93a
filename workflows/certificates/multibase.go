package certificates

import (
	"crypto/ed25519"
	"fmt"
	"math/big"
)

// base58btc is the Bitcoin base58 alphabet used by multibase prefix 'z'.
const base58btc = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Index maps a base58btc character to its value, or -1.
var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58btc); i++ {
		t[base58btc[i]] = int8(i)
	}
	return t
}()

// maxBase58 bounds what [DecodeBase58] accepts: far more than a key or a
// signature needs, small enough that junk input costs nothing.
const maxBase58 = 256

// EncodeBase58 encodes b in base58btc: each leading zero byte becomes a '1'
// and the rest is the big-endian number in base 58.
func EncodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b[zeros:])
	var out []byte
	mod, base := new(big.Int), big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, base, mod)
		out = append(out, base58btc[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// DecodeBase58 decodes base58btc text. Errors wrap [ErrMalformed].
func DecodeBase58(s string) ([]byte, error) {
	if len(s) > maxBase58 {
		return nil, fmt.Errorf("decode base58btc: %w: %d characters, at most %d", ErrMalformed, len(s), maxBase58)
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	n, base := new(big.Int), big.NewInt(58)
	for i := zeros; i < len(s); i++ {
		v := base58Index[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("decode base58btc: %w: character %q is not base58btc", ErrMalformed, s[i])
		}
		n.Mul(n, base).Add(n, big.NewInt(int64(v)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

// multicodecEd25519Pub is the multicodec varint of ed25519-pub (0xed).
var multicodecEd25519Pub = [2]byte{0xed, 0x01}

// EncodeMultikey returns the Multikey publicKeyMultibase of an Ed25519
// public key: 'z' + base58btc(0xed 0x01 + the 32-byte key), e.g.
// "z6Mk...", as W3C Controlled Identifiers and vc-di-eddsa define it.
func EncodeMultikey(pub ed25519.PublicKey) string {
	return "z" + EncodeBase58(append(multicodecEd25519Pub[:], pub...))
}

// DecodeMultikey parses a publicKeyMultibase made by [EncodeMultikey].
// Errors wrap [ErrInvalidKey].
func DecodeMultikey(s string) (ed25519.PublicKey, error) {
	if len(s) == 0 || s[0] != 'z' {
		return nil, fmt.Errorf("decode multikey: %w: not multibase base58btc ('z')", ErrInvalidKey)
	}
	b, err := DecodeBase58(s[1:])
	if err != nil {
		return nil, fmt.Errorf("decode multikey: %w: %w", ErrInvalidKey, err)
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != multicodecEd25519Pub[0] || b[1] != multicodecEd25519Pub[1] {
		return nil, fmt.Errorf("decode multikey: %w: not an ed25519-pub multicodec key of %d bytes", ErrInvalidKey, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b[2:]), nil
}
