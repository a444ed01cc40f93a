package certificates

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

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
	in.IssuerDID, in.HolderID, in.HolderSalt = "did:web:campusbiz.example.cn", "account-1", "salt"
	entry := NewStatusEntry("https://campusbiz.example.cn/credentials/status/0", 42)
	in.Status = &entry
	b, err := json.Marshal(NewCredential(in))
	require.NoError(t, err)
	want := fmt.Sprintf(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
	  "id": "urn:campusbiz:certificate:8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	  "type": ["VerifiableCredential", "OpenBadgeCredential"],
	  "issuer": {"id": "did:web:campusbiz.example.cn", "type": ["Profile"], "name": "CampusBiz Training Centre",
	    "url": "https://campusbiz.example.cn"},
	  "validFrom": "2025-06-01T08:30:15Z",
	  "name": "Tomorrow's Online Merchants certificate: Live-Streaming Sales Fundamentals",
	  "description": "Verify this certificate at %s",
	  "credentialSubject": {
	    "type": ["AchievementSubject"],
	    "name": "Zoë Müller",
	    "identifier": [{"type": "IdentityObject", "hashed": true, "identityType": "systemId", "salt": "salt",
	      "identityHash": "sha256$%x"}],
	    "achievement": {
	      "id": "urn:campusbiz:course:ecom-101",
	      "type": ["Achievement"],
	      "name": "Live-Streaming Sales Fundamentals",
	      "description": "Live-Streaming Sales Fundamentals",
	      "criteria": {"narrative": "Completed the course \"Live-Streaming Sales Fundamentals\" of the Tomorrow's Online Merchants (明日网商) programme."}
	    }
	  },
	  "credentialStatus": {"id": "https://campusbiz.example.cn/credentials/status/0#42", "type": "BitstringStatusListEntry",
	    "statusPurpose": "revocation", "statusListIndex": "42",
	    "statusListCredential": "https://campusbiz.example.cn/credentials/status/0"}
	}`, in.VerifyURL, sha256Sum("account-1salt"))
	require.JSONEq(t, want, string(b))
	require.NotContains(t, string(b), "account-1", "the holder's account id is only hashed")

	// Field order in the struct follows the data model; keys are exact.
	require.True(t, strings.HasPrefix(string(b), `{"@context":[`), string(b))
	in.CourseID = "a b/c"
	require.Equal(t, "urn:campusbiz:course:a%20b%2Fc", NewCredential(in).CredentialSubject.Achievement.ID)

	// Salts differ per certificate, so hashes do not link certificates.
	s1, err := NewSalt()
	require.NoError(t, err)
	s2, err := NewSalt()
	require.NoError(t, err)
	require.NotEqual(t, HolderIdentity("a", s1).IdentityHash, HolderIdentity("a", s2).IdentityHash)
}
