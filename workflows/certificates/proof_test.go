package certificates

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }

const testDID = "did:web:campusbiz.example.cn"

// signedTestCredential is testInput signed by testKey under testDID.
func signedTestCredential(t testing.TB) []byte {
	t.Helper()
	in := testInput()
	in.IssuerDID, in.HolderID, in.HolderSalt = testDID, "account-1", "00ff"
	entry := NewStatusEntry("https://campusbiz.example.cn/credentials/status/0", 7)
	in.Status = &entry
	raw, err := Sign(testKey(t), NewCredential(in))
	require.NoError(t, err)
	return raw
}

// keysOf resolves the verification methods of testDID among keys.
func keysOf(keys ...ed25519.PublicKey) KeyResolver {
	return func(vm string) (ed25519.PublicKey, error) {
		for _, k := range keys {
			if VerificationMethodID(testDID, k) == vm {
				return k, nil
			}
		}
		return nil, ErrInvalidKey
	}
}

func TestProofRoundTrip(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	raw := signedTestCredential(t)
	c, err := Verify(raw, keysOf(kp.Public))
	require.NoError(t, err)
	require.Equal(t, "Zoë Müller", c.CredentialSubject.Name)
	require.NotNil(t, c.Proof)
	require.Equal(t, Proof{Type: "DataIntegrityProof", Cryptosuite: "eddsa-rdfc-2022", Created: "2025-06-01T08:30:15Z",
		VerificationMethod: "did:web:campusbiz.example.cn#ed25519-56475aa75463474c", ProofPurpose: "assertionMethod",
		ProofValue: c.Proof.ProofValue}, *c.Proof)
	require.True(t, strings.HasPrefix(c.Proof.ProofValue, "z"))

	// Ed25519 is deterministic: signing again gives the same bytes.
	again := signedTestCredential(t)
	require.Equal(t, string(raw), string(again))

	// The proof covers the RDF graph, not the JSON text: re-serialized
	// with other key order, whitespace and escapes, it still verifies.
	shuffled := shuffledJSON(t, decodeJSON(t, raw))
	require.NotEqual(t, string(raw), string(shuffled))
	_, err = Verify(shuffled, keysOf(kp.Public))
	require.NoError(t, err)

	// Another key, or none, does not verify it.
	_, other, err := GenerateSigningKey()
	require.NoError(t, err)
	_, err = Verify(raw, keysOf(other.Public))
	require.ErrorIs(t, err, ErrInvalidKey)
	_, err = Verify(raw, func(string) (ed25519.PublicKey, error) { return other.Public, nil })
	require.ErrorIs(t, err, ErrBadSignature)
}

// TestProofTampering changes every leaf, removes and adds members, and
// flips every signature byte: each must fail.
func TestProofTampering(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	raw := signedTestCredential(t)
	resolve := keysOf(kp.Public)
	failsVerify := func(doc any, what string, args ...any) {
		t.Helper()
		_, err := Verify(shuffledJSON(t, doc), resolve)
		require.Errorf(t, err, what, args...)
		require.Truef(t, errors.Is(err, ErrBadSignature) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrInvalidKey),
			"unexpected error %v", err)
	}

	t.Run("every leaf changed", func(t *testing.T) {
		t.Parallel()
		paths := leafPaths(decodeJSON(t, raw), nil)
		require.GreaterOrEqual(t, len(paths), 30, "expected every field of the credential")
		for _, p := range paths {
			orig := get(decodeJSON(t, raw), p)
			var repls []any
			switch v := orig.(type) {
			case string:
				repls = []any{v + "x", "", strings.ToUpper(v) + " ", 0, nil}
			case bool:
				repls = []any{!v, nil}
			default:
				t.Fatalf("leaf %v: unexpected %#v", p, orig)
			}
			for _, repl := range repls {
				if repl == orig {
					continue
				}
				doc := decodeJSON(t, raw)
				set(doc, p, repl)
				failsVerify(doc, "changing %v to %#v", p, repl)
			}
		}
	})

	t.Run("members removed or added", func(t *testing.T) {
		t.Parallel()
		objs := containerPaths(decodeJSON(t, raw), nil)
		require.GreaterOrEqual(t, len(objs), 7)
		for _, p := range objs {
			for k := range get(decodeJSON(t, raw), p).(map[string]any) {
				doc := decodeJSON(t, raw)
				delete(get(doc, p).(map[string]any), k)
				failsVerify(doc, "removing %v.%s", p, k)
			}
			doc := decodeJSON(t, raw)
			get(doc, p).(map[string]any)["name"] = "x"
			failsVerify(doc, "adding %v.name", p)
		}
	})

	t.Run("every signature byte changed", func(t *testing.T) {
		t.Parallel()
		var c Credential
		require.NoError(t, json.Unmarshal(raw, &c))
		sig, err := DecodeBase58(c.Proof.ProofValue[1:])
		require.NoError(t, err)
		require.Len(t, sig, ed25519.SignatureSize)
		for i := range sig {
			bad := append([]byte(nil), sig...)
			bad[i] ^= 0x01
			doc := decodeJSON(t, raw)
			doc.(map[string]any)["proof"].(map[string]any)["proofValue"] = "z" + EncodeBase58(bad)
			failsVerify(doc, "signature byte %d", i)
		}
	})
}

func TestVerifyProofErrors(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	raw := signedTestCredential(t)
	resolve := keysOf(kp.Public)
	withProof := func(edit func(p map[string]any)) []byte {
		doc := decodeJSON(t, raw).(map[string]any)
		edit(doc["proof"].(map[string]any))
		b, err := json.Marshal(doc)
		require.NoError(t, err)
		return b
	}
	for name, in := range map[string][]byte{
		"empty":                            nil,
		"not JSON":                         []byte("{"),
		"array":                            []byte("[]"),
		"null":                             []byte("null"),
		"trailing data":                    append(append([]byte(nil), raw...), '1'),
		"no proof":                         []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"]}`),
		"proof is a list":                  []byte(`{"proof":[]}`),
		"other suite":                      withProof(func(p map[string]any) { p["cryptosuite"] = "ecdsa-rdfc-2019" }),
		"other purpose":                    withProof(func(p map[string]any) { p["proofPurpose"] = "authentication" }),
		"other type":                       withProof(func(p map[string]any) { p["type"] = "Ed25519Signature2020" }),
		"base64 value":                     withProof(func(p map[string]any) { p["proofValue"] = "u" + p["proofValue"].(string)[1:] }),
		"short value":                      withProof(func(p map[string]any) { p["proofValue"] = "z2" }),
		"bad base58":                       withProof(func(p map[string]any) { p["proofValue"] = "z0OIl" }),
		"too big":                          make([]byte, maxDocument+1),
		"proof context not the document's": withProof(func(p map[string]any) { p["@context"] = []any{ContextOBv3} }),
		"unknown context":                  []byte(strings.Replace(string(raw), ContextOBv3, "https://example.com/ctx.json", 1)),
		"undefined term":                   []byte(strings.Replace(string(raw), `"validFrom"`, `"notATerm":"x","validFrom"`, 1)),
	} {
		_, err := VerifyProof(in, resolve)
		require.ErrorIs(t, err, ErrMalformed, name)
	}
	// A proof carrying a prefix of the document's context is checked under
	// it: the proof's terms are all the VC context's, so its RDF (and the
	// signature) is the same.
	_, err := VerifyProof(withProof(func(p map[string]any) { p["@context"] = []any{ContextVCv2} }), resolve)
	require.NoError(t, err)
	_, err = AddProof(KeyPair{}, "vm", time.Now(), map[string]any{})
	require.ErrorIs(t, err, ErrInvalidKey)
	_, err = AddProof(kp, "vm", time.Now(), map[string]any{"@context": []string{ContextVCv2}, "notATerm": 1})
	require.ErrorContains(t, err, "rdfc-1.0", "safe mode: an undefined term is an error, not silently unsigned")
}

// TestKeyRotation: a credential signed by a rotated-out key verifies while
// that key is still listed, new ones are signed by the new key, and the
// DID document lists both, newest first.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	old := testKey(t)
	raw := signedTestCredential(t)
	_, next, err := GenerateSigningKey()
	require.NoError(t, err)

	doc := NewDIDDocument(testDID, []ed25519.PublicKey{next.Public, old.Public})
	require.Len(t, doc.VerificationMethod, 2)
	require.Equal(t, VerificationMethodID(testDID, next.Public), doc.AssertionMethod[0])
	resolve := func(vm string) (ed25519.PublicKey, error) {
		for _, m := range doc.VerificationMethod {
			if m.ID == vm {
				return DecodeMultikey(m.PublicKeyMultibase)
			}
		}
		return nil, ErrInvalidKey
	}
	_, err = Verify(raw, resolve)
	require.NoError(t, err, "signed by the old key")

	in := testInput()
	in.IssuerDID = testDID
	newer, err := Sign(next, NewCredential(in))
	require.NoError(t, err)
	c, err := Verify(newer, resolve)
	require.NoError(t, err)
	require.Equal(t, VerificationMethodID(testDID, next.Public), c.Proof.VerificationMethod)

	doc = NewDIDDocument(testDID, []ed25519.PublicKey{next.Public})
	_, err = Verify(raw, resolve)
	require.ErrorIs(t, err, ErrInvalidKey, "once the old key is dropped")
}

func TestMultikey(t *testing.T) {
	t.Parallel()
	// The key pair of W3C vc-di-eddsa's examples: secretKeyMultibase is
	// 0x80 0x26 + the seed; its public key is publicKeyMultibase.
	secret, err := DecodeBase58("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")
	require.NoError(t, err)
	require.Len(t, secret, 34)
	require.Equal(t, []byte{0x80, 0x26}, secret[:2])
	pub := ed25519.NewKeyFromSeed(secret[2:]).Public().(ed25519.PublicKey)
	require.Equal(t, "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", EncodeMultikey(pub))
	back, err := DecodeMultikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
	require.NoError(t, err)
	require.Equal(t, pub, back)

	// The test key (seed 0..31) as @digitalbazaar/ed25519-multikey 1.3.1
	// encodes it: generate({seed}).publicKeyMultibase.
	require.Equal(t, "z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd", EncodeMultikey(testKey(t).Public))

	// Every Ed25519 Multikey starts z6Mk and round-trips.
	for range 50 {
		_, kp, err := GenerateSigningKey()
		require.NoError(t, err)
		s := EncodeMultikey(kp.Public)
		require.True(t, strings.HasPrefix(s, "z6Mk"), s)
		back, err := DecodeMultikey(s)
		require.NoError(t, err)
		require.Equal(t, kp.Public, back)
	}

	// base58btc keeps leading zero bytes as '1's.
	require.Equal(t, "11", EncodeBase58([]byte{0, 0}))
	require.Equal(t, "112", EncodeBase58([]byte{0, 0, 1}))
	got, err := DecodeBase58("112")
	require.NoError(t, err)
	require.Equal(t, []byte{0, 0, 1}, got)
	require.Equal(t, "", EncodeBase58(nil))

	for _, bad := range []string{"", "6Mk", "z", "z0", "zO", "z6Mk", "z" + EncodeBase58(append([]byte{0xec, 0x01}, make([]byte, 32)...)),
		"z" + EncodeBase58(append([]byte{0xed, 0x01}, make([]byte, 31)...)), "z" + strings.Repeat("2", 300)} {
		_, err := DecodeMultikey(bad)
		require.ErrorIs(t, err, ErrInvalidKey, "%q", bad)
	}
}

func TestDIDWeb(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":             "did:web:127.0.0.1%3A8080",
		"https://campusbiz.example.cn":      "did:web:campusbiz.example.cn",
		"https://CampusBiz.Example.cn/app/": "did:web:campusbiz.example.cn",
		"http://localhost:8080/":            "did:web:localhost%3A8080",
	} {
		got, err := DIDWeb(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "not a url", "/relative", "http://"} {
		_, err := DIDWeb(bad)
		require.Error(t, err, bad)
	}
	kp := testKey(t)
	vm := VerificationMethodID(testDID, kp.Public)
	require.Equal(t, testDID+"#ed25519-56475aa75463474c", vm)
	id, ok := KeyIDOfMethod(testDID, vm)
	require.True(t, ok)
	require.Equal(t, kp.ID, id)
	for _, bad := range []string{"did:web:other#ed25519-56475aa75463474c", testDID + "#key-1", testDID, testDID + "#ed25519-56"} {
		_, ok := KeyIDOfMethod(testDID, bad)
		require.False(t, ok, bad)
	}
}

func TestStatusListEncoding(t *testing.T) {
	t.Parallel()
	// Known vectors made by @digitalbazaar/vc-bitstring-status-list 2.0.1
	// (createList({length: 131072}), setStatus(i, true), encode()); the
	// empty one is also the W3C spec's example. GZIP output differs between
	// implementations, so these are decoded, and ours round-trip.
	const (
		emptyList = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
		someSet   = "uH4sIAAAAAAAAA-3OMQEAMAgAoNlkUa1mM18beAgJqHww_O0AAAAAAAAAAAAAAAAAAADARdECsFnoAEAAAA"
	)
	set := []int{0, 1, 7, 8, 4242, 131071}
	bits, err := DecodeStatusList(someSet)
	require.NoError(t, err)
	require.Len(t, bits, StatusListSize/8)
	require.Equal(t, byte(0b1100_0001), bits[0], "index 0 is the first byte's most significant bit")
	require.Equal(t, byte(0b1000_0000), bits[1])
	var got []int
	for i := range StatusListSize {
		if StatusBit(bits, i) {
			got = append(got, i)
		}
	}
	require.Equal(t, set, got)
	empty, err := DecodeStatusList(emptyList)
	require.NoError(t, err)
	require.Equal(t, make([]byte, StatusListSize/8), empty)

	ours, err := EncodeStatusList(set, StatusListSize)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(ours, "uH4sI"), "multibase base64url of a gzip stream: %s", ours)
	back, err := DecodeStatusList(ours)
	require.NoError(t, err)
	require.Equal(t, bits, back)
	require.False(t, StatusBit(back, -1))
	require.False(t, StatusBit(back, StatusListSize))

	for _, bad := range []struct {
		set  []int
		size int
	}{{nil, 0}, {nil, 7}, {[]int{-1}, 8}, {[]int{8}, 8}} {
		_, err := EncodeStatusList(bad.set, bad.size)
		require.Error(t, err)
	}
	for _, bad := range []string{"", "u", "z" + emptyList[1:], "u!!!", "uAAAA", emptyList + "="} {
		_, err := DecodeStatusList(bad)
		require.ErrorIs(t, err, ErrMalformed, "%q", bad)
	}

	global := int64(2*StatusListSize + 5)
	list, idx := StatusPosition(global)
	require.Equal(t, int64(2), list)
	require.Equal(t, 5, idx)
}

// BenchmarkSign measures issuing: two RDFC-1.0 canonicalizations (document
// and proof configuration) and an Ed25519 signature.
func BenchmarkSign(b *testing.B) {
	kp := testKey(b)
	in := testInput()
	in.IssuerDID = testDID
	c := NewCredential(in)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(kp, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyProof measures what GET /certificates/{serial} pays per
// request to re-check a certificate.
func BenchmarkVerifyProof(b *testing.B) {
	kp := testKey(b)
	raw := signedTestCredential(b)
	resolve := keysOf(kp.Public)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyProof(raw, resolve); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusList measures signing a full status list (131,072 bits,
// GZIP) as a revocation does.
func BenchmarkStatusList(b *testing.B) {
	kp := testKey(b)
	revoked := []int{1, 2, 3, 4096, 131071}
	b.ReportAllocs()
	for b.Loop() {
		slc, err := NewStatusListCredential("https://x.example.cn/credentials/status/0", testDID, revoked, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := AddProof(kp, VerificationMethodID(testDID, kp.Public), time.Now(), slc); err != nil {
			b.Fatal(err)
		}
	}
}
