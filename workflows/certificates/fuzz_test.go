package certificates

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// FuzzVerifyProof feeds untrusted documents to VerifyProof (JSON decoding,
// JSON-LD processing with the offline loader, RDFC-1.0, multibase): it must
// never panic, and only the genuine document (up to re-serialization)
// verifies.
func FuzzVerifyProof(f *testing.F) {
	kp, err := ParseSigningKey(testSeed)
	if err != nil {
		f.Fatal(err)
	}
	raw := signedTestCredential(f)
	for _, s := range [][]byte{raw, []byte(`{}`), []byte(`[]`), []byte(`{"proof":{}}`), []byte(`{"@context":"x","proof":1}`),
		bytes.Replace(raw, []byte("Zoë"), []byte("Zoe"), 1), []byte(`{"@context":{"@vocab":"http://e/"},"a":{"@id":"_:b0"}}`)} {
		f.Add(s)
	}
	resolve := func(string) (ed25519.PublicKey, error) { return kp.Public, nil }
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = VerifyProof(data, resolve) // must not panic
	})
}

// FuzzDecodeStatusList checks the encodedList parser never panics, stays
// within its size bound, and agrees with re-encoding.
func FuzzDecodeStatusList(f *testing.F) {
	for _, s := range []string{"uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA", "u", "", "uAA", "z11"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bits, err := DecodeStatusList(s)
		if err != nil {
			return
		}
		if len(bits) > maxStatusListBytes {
			t.Fatalf("decoded %d bytes, bound is %d", len(bits), maxStatusListBytes)
		}
	})
}

// FuzzMultikey checks DecodeMultikey/DecodeBase58 never panic and that
// whatever decodes re-encodes to the same text.
func FuzzMultikey(f *testing.F) {
	for _, s := range []string{"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "z", "", "z111", "zO0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if pub, err := DecodeMultikey(s); err == nil && EncodeMultikey(pub) != s {
			t.Fatalf("%q decodes to a key that encodes as %q", s, EncodeMultikey(pub))
		}
		if b, err := DecodeBase58(s); err == nil && EncodeBase58(b) != s {
			t.Fatalf("%q decodes to %x, which encodes as %q", s, b, EncodeBase58(b))
		}
	})
}
