package certificates

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"
	"github.com/stretchr/testify/require"
)

// TestOutsideVerifier plays a third party that has only the published
// public key (base64) and the certificate JSON, which reached it
// re-serialized with other whitespace, key order and escaping.
func TestOutsideVerifier(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	in := testInput()
	in.HolderName = "李华 <Li Hua> & \"friends\""
	signed, err := Sign(kp, NewCredential(in))
	require.NoError(t, err)

	// What is published and handed over: no KeyPair, no Credential struct.
	publishedKey := kp.PublicKeyBase64()
	payload := shuffledJSON(t, decodeJSON(t, signed.Credential))
	signature := signed.Signature
	require.NotEqual(t, string(signed.Credential), string(payload), "payload should be re-serialized")

	pubBytes, err := base64.StdEncoding.DecodeString(publishedKey)
	require.NoError(t, err)
	pub := ed25519.PublicKey(pubBytes)

	require.NoError(t, Verify(payload, signature, pub))

	// The format is implementable without this package: JCS + Ed25519 +
	// unpadded base64url.
	canon, err := jcs.Transform(payload)
	require.NoError(t, err)
	require.Equal(t, string(signed.Credential), string(canon))
	rawSig, err := base64.RawURLEncoding.DecodeString(signature)
	require.NoError(t, err)
	require.True(t, ed25519.Verify(pub, canon, rawSig))
	require.Equal(t, signed.KeyID, KeyID(pub), "key id must be derivable from the published key")

	t.Run("every leaf changed", func(t *testing.T) {
		t.Parallel()
		paths := leafPaths(decodeJSON(t, signed.Credential), nil)
		require.GreaterOrEqual(t, len(paths), 18, "expected every field of the credential")
		for _, p := range paths {
			orig := get(decodeJSON(t, signed.Credential), p)
			s, ok := orig.(string)
			require.True(t, ok, "leaf %v is not a string: %#v", p, orig)
			for _, repl := range []any{s + "x", "", strings.ToUpper(s) + " ", 0, nil, []any{s}} {
				if repl == s {
					continue
				}
				doc := decodeJSON(t, signed.Credential)
				set(doc, p, repl)
				err := Verify(shuffledJSON(t, doc), signature, pub)
				require.ErrorIsf(t, err, ErrBadSignature, "changing %v to %#v must fail verification", p, repl)
			}
		}
	})

	t.Run("members removed or added", func(t *testing.T) {
		t.Parallel()
		objs := containerPaths(decodeJSON(t, signed.Credential), nil)
		require.GreaterOrEqual(t, len(objs), 5)
		for _, p := range objs {
			for k := range get(decodeJSON(t, signed.Credential), p).(map[string]any) {
				doc := decodeJSON(t, signed.Credential)
				delete(get(doc, p).(map[string]any), k)
				require.ErrorIsf(t, Verify(shuffledJSON(t, doc), signature, pub), ErrBadSignature, "removing %v.%s", p, k)
			}
			doc := decodeJSON(t, signed.Credential)
			get(doc, p).(map[string]any)["extra"] = "x"
			require.ErrorIsf(t, Verify(shuffledJSON(t, doc), signature, pub), ErrBadSignature, "adding %v.extra", p)
		}
	})

	t.Run("every signature byte changed", func(t *testing.T) {
		t.Parallel()
		for i := range rawSig {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				bad := append([]byte(nil), rawSig...)
				bad[i] ^= mask
				err := Verify(payload, base64.RawURLEncoding.EncodeToString(bad), pub)
				require.ErrorIsf(t, err, ErrBadSignature, "byte %d ^ %#x", i, mask)
			}
		}
	})

	t.Run("every signature character changed", func(t *testing.T) {
		t.Parallel()
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := 0; i < len(signature); i++ {
			for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, signature[i])+1)%64], '+', '/', '=', '\n', ' '} {
				bad := signature[:i] + string(c) + signature[i+1:]
				err := Verify(payload, bad, pub)
				require.Errorf(t, err, "signature char %d -> %q", i, c)
				require.Truef(t, errors.Is(err, ErrBadSignature) || errors.Is(err, ErrMalformed), "unexpected error %v", err)
			}
		}
		for _, bad := range []string{"", signature + "==", signature[:len(signature)-1], signature + "A", "\n" + signature[1:]} {
			require.ErrorIs(t, Verify(payload, bad, pub), ErrMalformed, "%q", bad)
		}
	})
}

func TestSignedJSONAndKeyRotation(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	signed, err := Sign(kp, NewCredential(testInput()))
	require.NoError(t, err)
	require.Equal(t, kp.ID, signed.KeyID)
	require.NoError(t, signed.Verify(kp.Public))

	// A stored/served Signed round-trips through JSON.
	b, err := json.Marshal(signed)
	require.NoError(t, err)
	var back Signed
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, back.Verify(kp.Public))
	require.Contains(t, string(b), `"keyId":"`+kp.ID+`"`)

	// Signing is deterministic (Ed25519) and canonical bytes are signed.
	again, err := Sign(kp, NewCredential(testInput()))
	require.NoError(t, err)
	require.Equal(t, signed, again)

	// A rotated key neither verifies the old certificate nor shares its id.
	_, other, err := GenerateSigningKey()
	require.NoError(t, err)
	require.NotEqual(t, kp.ID, other.ID)
	require.ErrorIs(t, Verify(signed.Credential, signed.Signature, other.Public), ErrBadSignature)
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	signed, err := Sign(kp, NewCredential(testInput()))
	require.NoError(t, err)

	for _, pub := range []ed25519.PublicKey{nil, kp.Public[:31], append(append([]byte(nil), kp.Public...), 0)} {
		require.NotPanics(t, func() {
			require.ErrorIs(t, Verify(signed.Credential, signed.Signature, pub), ErrInvalidKey)
		})
	}
	for _, payload := range []string{"", "{", `{"a":1,"a":2}`, `{"a":1} x`, "\xff"} {
		err := Verify([]byte(payload), signed.Signature, kp.Public)
		require.ErrorIs(t, err, ErrMalformed, "payload %q", payload)
		require.Contains(t, err.Error(), "verify certificate")
	}
	require.ErrorIs(t, Verify([]byte(`{}`), signed.Signature, kp.Public), ErrBadSignature)

	_, err = Sign(KeyPair{}, NewCredential(testInput()))
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestCanonicalizeRFC8785(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{
			// RFC 8785 section 3.2.3: sorting by UTF-16 code units.
			name: "unicode key ordering",
			in: `{"\u20ac":"Euro Sign","\r":"Carriage Return","\u000a":"Newline","1":"One",` +
				`"\u0080":"Control\u007f","\ud83d\ude02":"Smiley","\u00f6":"Latin Small Letter O With Diaeresis",` +
				`"\ufb33":"Hebrew Letter Dalet With Dagesh","</script>":"Browser Challenge"}`,
			want: `{"\n":"Newline","\r":"Carriage Return","1":"One","</script>":"Browser Challenge",` +
				`"` + "\u0080" + `":"Control` + "\u007f" + `","` + "\u00f6" + `":"Latin Small Letter O With Diaeresis",` +
				`"` + "\u20ac" + `":"Euro Sign","` + "\U0001F602" + `":"Smiley","` + "\ufb33" + `":"Hebrew Letter Dalet With Dagesh"}`,
		},
		{
			// RFC 8785 section 3.2.2 example.
			name: "numbers, strings and literals",
			in: `{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],` +
				` "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
			want: `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],` +
				`"string":"` + "\u20ac" + `$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			// RFC 8785 appendix B number serialization samples.
			name: "number formatting",
			in:   `[-0, 1e21, 1e20, 9007199254740992, 0.000001, 1e-7, 5e-324, 1.7976931348623157e308, 295147905179352830000, -1.5e-7]`,
			want: `[0,1e+21,100000000000000000000,9007199254740992,0.000001,1e-7,5e-324,1.7976931348623157e+308,295147905179352830000,-1.5e-7]`,
		},
		{
			name: "nested key ordering",
			in:   `{"b": {"z": 1, "a": [{"y": 2, "x": 1}]}, "a": "\u00e9"}`,
			want: `{"a":"` + "\u00e9" + `","b":{"a":[{"x":1,"y":2}],"z":1}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonicalize(json.RawMessage(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

func TestCanonicalizeGoValues(t *testing.T) {
	t.Parallel()
	a, b := 0.1, 0.2
	v := struct {
		Zeta  int     `json:"zeta"`
		Alpha string  `json:"alpha"`
		HTML  string  `json:"html"`
		Float float64 `json:"float"`
	}{Zeta: 1, Alpha: "张伟", HTML: "<a&b>", Float: a + b}
	got, err := Canonicalize(v)
	require.NoError(t, err)
	// encoding/json's \u003c escaping is undone: JCS escapes minimally.
	require.Equal(t, `{"alpha":"张伟","float":0.30000000000000004,"html":"<a&b>","zeta":1}`, string(got))

	_, err = Canonicalize(func() {})
	require.ErrorContains(t, err, "canonicalize: marshal")
	_, err = Canonicalize(json.RawMessage(`{"a":1,"a":2}`))
	require.ErrorContains(t, err, "canonicalize: jcs")
}

func TestParseSigningKey(t *testing.T) {
	t.Parallel()
	a1, err := ParseSigningKey(testSeed)
	require.NoError(t, err)
	a2, err := ParseSigningKey("  " + testSeed + "\n")
	require.NoError(t, err)
	require.Equal(t, a1, a2)
	require.Regexp(t, regexp.MustCompile(`^ed25519:[0-9a-f]{16}$`), a1.ID)
	require.Equal(t, KeyID(a1.Public), a1.ID)
	require.Len(t, a1.Private, ed25519.PrivateKeySize)
	require.Equal(t, a1.Public, a1.Private.Public())

	other := base64.StdEncoding.EncodeToString(make([]byte, 32))
	b, err := ParseSigningKey(other)
	require.NoError(t, err)
	require.NotEqual(t, a1.ID, b.ID)

	seed, g, err := GenerateSigningKey()
	require.NoError(t, err)
	g2, err := ParseSigningKey(seed)
	require.NoError(t, err)
	require.Equal(t, g, g2)
	require.NotEqual(t, a1.ID, g.ID)

	tests := []struct{ in, msg string }{
		{"", "decoded seed is 0 bytes, want 32"},
		{"not base64!", "not standard base64"},
		{strings.TrimRight(testSeed, "="), "not standard base64"},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=", "not standard base64"}, // URL alphabet
		{base64.StdEncoding.EncodeToString(make([]byte, 16)), "decoded seed is 16 bytes, want 32"},
		{base64.StdEncoding.EncodeToString(make([]byte, 33)), "decoded seed is 33 bytes, want 32"},
		{base64.StdEncoding.EncodeToString(a1.Private), "full 64-byte private key"},
	}
	for _, tc := range tests {
		_, err := ParseSigningKey(tc.in)
		require.ErrorIs(t, err, ErrInvalidKey, "%q", tc.in)
		require.ErrorContains(t, err, "parse signing key: ")
		require.ErrorContains(t, err, tc.msg)
	}
}

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	kp := testKey(t)
	pub, err := ParsePublicKey(kp.PublicKeyBase64())
	require.NoError(t, err)
	require.Equal(t, kp.Public, pub)
	for _, in := range []string{"", "%%%", base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		_, err := ParsePublicKey(in)
		require.ErrorIs(t, err, ErrInvalidKey)
		require.ErrorContains(t, err, "parse public key: ")
	}
}

var serialRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}-[0-9A-HJKMNP-TV-Z]{6}$`)

func TestSerial(t *testing.T) {
	t.Parallel()
	const n = 10_000
	seen := make(map[string]struct{}, n)
	for i := 0; i < n; i++ {
		s, err := NewSerial()
		require.NoError(t, err)
		require.Len(t, s, SerialLen)
		require.Regexp(t, serialRE, s)
		require.True(t, ValidSerial(s), s)
		norm, ok := NormalizeSerial(strings.ToLower(strings.ReplaceAll(s, "-", "")))
		require.True(t, ok)
		require.Equal(t, s, norm)
		_, dup := seen[s]
		require.False(t, dup, "duplicate serial %s", s)
		seen[s] = struct{}{}

		// 128 bits: the decoded serial is 16 bytes and round-trips.
		raw, err := serialEncoding.DecodeString(strings.ReplaceAll(s, "-", ""))
		require.NoError(t, err)
		require.Len(t, raw, 16)
	}
}

func TestValidSerialRejectsJunk(t *testing.T) {
	t.Parallel()
	good := "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G"
	require.True(t, ValidSerial(good))
	junk := []string{
		"",
		"x",
		strings.ToLower(good),
		strings.ReplaceAll(good, "-", ""),
		good + "0",
		good[:len(good)-1],
		"8F3KQ2-M7ZD-X1C9V-0TNBR-4HJW6G", // dash moved
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6I", // I is not Crockford
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJWU0", // U is not Crockford
		"OF3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G", // O is not canonical
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6H", // non-zero padding bits
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW61", // non-zero padding bits
		"8F3KQ 2M7ZD X1C9V 0TNBR 4HJW6G", // spaces
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6\x00",
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJ张", // same byte length, not ASCII
		"../../../../../etc/passwd/////",
		strings.Repeat("A", 10_000),
	}
	for _, s := range junk {
		require.False(t, ValidSerial(s), "%q", s)
	}

	for in, want := range map[string]string{
		"8f3kq2m7zdx1c9v0tnbr4hjw6g":       good,
		"8F3KQ 2M7ZD X1C9V 0TNBR 4HJW6G":   good,
		"8F3KQ-2M7ZD-XIC9V-OTNBR-4HJW6G":   good, // I -> 1, O -> 0
		"8F3KQ-2M7ZD-XlC9V-0TNBR-4HJW6G":   good, // l -> 1
		" 8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G ": good,
	} {
		got, ok := NormalizeSerial(in)
		require.True(t, ok, "%q", in)
		require.Equal(t, want, got)
	}
	for _, s := range []string{"", "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6", "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6GG", "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6H",
		"8F3KQ-2M7ZD-X1C9V-0TNBR-4HJWU0", "张伟张伟张伟张伟张", strings.Repeat("-", 1000)} {
		_, ok := NormalizeSerial(s)
		require.False(t, ok, "%q", s)
	}
}

func TestNewCredentialShape(t *testing.T) {
	t.Parallel()
	in := testInput()
	in.CourseDescription = ""
	b, err := json.Marshal(NewCredential(in))
	require.NoError(t, err)
	want := fmt.Sprintf(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
	  "id": "urn:campusbiz:certificate:8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	  "type": ["VerifiableCredential", "OpenBadgeCredential"],
	  "issuer": {"id": "https://campusbiz.example.cn", "type": ["Profile"], "name": "CampusBiz Training Centre"},
	  "validFrom": "2025-06-01T08:30:15Z",
	  "name": "Tomorrow's Online Merchants certificate: Live-Streaming Sales Fundamentals",
	  "description": "Verify this certificate at %s",
	  "credentialSubject": {
	    "type": ["AchievementSubject"],
	    "name": "Zoë Müller",
	    "achievement": {
	      "id": "urn:campusbiz:course:ecom-101",
	      "type": ["Achievement"],
	      "name": "Live-Streaming Sales Fundamentals",
	      "description": "Live-Streaming Sales Fundamentals",
	      "criteria": {"narrative": "Completed the course \"Live-Streaming Sales Fundamentals\" of the Tomorrow's Online Merchants (明日网商) programme."}
	    }
	  }
	}`, in.VerifyURL)
	require.JSONEq(t, want, string(b))

	// Field order in the struct follows the data model; keys are exact.
	require.True(t, strings.HasPrefix(string(b), `{"@context":[`), string(b))
	in.CourseID = "a b/c"
	require.Equal(t, "urn:campusbiz:course:a%20b%2Fc", NewCredential(in).CredentialSubject.Achievement.ID)
}
