package workflows

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestDecideResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		score, pass int
		want        string
	}{
		{60, 60, EnrollmentPassed},
		{59, 60, EnrollmentFailed},
		{100, 100, EnrollmentPassed},
		{0, 0, EnrollmentPassed},
		{0, 1, EnrollmentFailed},
		{99, 100, EnrollmentFailed},
	} {
		state, reasons := DecideResult(tc.score, tc.pass)
		require.Equal(t, tc.want, state, "score %d, pass %d", tc.score, tc.pass)
		require.NotNil(t, reasons, "reasons are a list, never null")
		if state == EnrollmentPassed {
			require.Empty(t, reasons)
			continue
		}
		require.Len(t, reasons, 1)
		require.Equal(t, "score", reasons[0].Field)
		require.Equal(t, msg.TrainingBelowPassScore, reasons[0].Code)
		require.Equal(t, map[string]any{"score": int64(tc.score), "pass": int64(tc.pass)}, reasons[0].Params)
	}
}

func TestTrainingMachines(t *testing.T) {
	t.Parallel()
	allowed := map[[2]string]bool{
		{"", EnrollmentEnrolled}:                  true,
		{EnrollmentEnrolled, EnrollmentPassed}:    true,
		{EnrollmentEnrolled, EnrollmentFailed}:    true,
		{EnrollmentPassed, EnrollmentCertified}:   true,
		{"", CertificateValid}:                    true,
		{CertificateValid, CertificateRevoked}:    true,
		{EnrollmentFailed, EnrollmentPassed}:      false,
		{EnrollmentEnrolled, EnrollmentCertified}: false,
		{EnrollmentCertified, EnrollmentPassed}:   false,
		{CertificateRevoked, CertificateValid}:    false,
	}
	for tr, want := range allowed {
		m := EnrollmentMachine
		if tr[1] == CertificateValid || tr[1] == CertificateRevoked {
			m = CertificateMachine
		}
		require.Equal(t, want, m.Allows(tr[0], tr[1]), "%s %q→%q", m.Entity, tr[0], tr[1])
	}
	require.True(t, EnrollmentMachine.IsFinal(EnrollmentCertified))
	require.True(t, EnrollmentMachine.IsFinal(EnrollmentFailed))
	require.False(t, EnrollmentMachine.IsFinal(EnrollmentPassed))
	require.True(t, CertificateMachine.IsFinal(CertificateRevoked))
}

// testKeys returns two signing seeds: an "old" and a "new" key.
func testKeys(t *testing.T) (oldSeed, newSeed string, oldKP, newKP certificates.KeyPair) {
	t.Helper()
	oldSeed, oldKP, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	newSeed, newKP, err = certificates.GenerateSigningKey()
	require.NoError(t, err)
	return oldSeed, newSeed, oldKP, newKP
}

func TestCertificateKeys(t *testing.T) {
	t.Parallel()
	_, newSeed, oldKP, newKP := testKeys(t)

	none, err := NewCertificateKeys("", nil)
	require.NoError(t, err)
	_, ok := none.Signing()
	require.False(t, ok)
	require.Empty(t, none.Published())

	onlyOld, err := NewCertificateKeys("", []string{oldKP.PublicKeyBase64()})
	require.NoError(t, err)
	_, ok = onlyOld.Signing()
	require.False(t, ok, "a published key does not sign")
	pub, ok := onlyOld.PublicKey(oldKP.ID)
	require.True(t, ok, "without a signing key, published keys still verify")
	require.Equal(t, oldKP.Public, pub)

	// The published set is the current key plus older ones, deduplicated
	// and with blanks ignored.
	k, err := NewCertificateKeys(newSeed, []string{" ", oldKP.PublicKeyBase64(), newKP.PublicKeyBase64(), oldKP.PublicKeyBase64() + "\n"})
	require.NoError(t, err)
	signing, ok := k.Signing()
	require.True(t, ok)
	require.Equal(t, newKP.ID, signing.ID)
	published := k.Published()
	require.Len(t, published, 2)
	require.Equal(t, PublishedKey{ID: newKP.ID, Public: newKP.Public, Current: true}, published[0])
	require.Equal(t, PublishedKey{ID: oldKP.ID, Public: oldKP.Public}, published[1])
	published[0].ID = "tampered"
	require.Equal(t, newKP.ID, k.Published()[0].ID, "Published returns a copy")
	_, ok = k.PublicKey("ed25519:0000000000000000")
	require.False(t, ok)

	_, err = NewCertificateKeys("not-a-key", nil)
	require.ErrorContains(t, err, "CERT_SIGNING_KEY")
	require.ErrorIs(t, err, certificates.ErrInvalidKey)
	_, err = NewCertificateKeys(newSeed, []string{oldKP.PublicKeyBase64(), base64.StdEncoding.EncodeToString(make([]byte, 31))})
	require.ErrorContains(t, err, "CERT_PUBLIC_KEYS: key 2")
}

func TestCertificateInput(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 23, 59, 59, 999_000_000, time.FixedZone("CST", 8*3600))
	course := models.Course{ID: "c1", Title: "客户服务 Customer Service", Description: "Answer questions."}
	in, err := CertificateInput("8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G", "李华", "acct-1", "salt", course, "https://campusbiz.example.cn/", at,
		certificates.StatusListSize+9)
	require.NoError(t, err)
	require.Equal(t, "https://campusbiz.example.cn", in.IssuerURL)
	require.Equal(t, "did:web:campusbiz.example.cn", in.IssuerDID)
	require.Equal(t, "acct-1", in.HolderID)
	require.Equal(t, certificates.StatusEntry{ID: "https://campusbiz.example.cn/credentials/status/1#9",
		Type: "BitstringStatusListEntry", StatusPurpose: "revocation", StatusListIndex: "9",
		StatusListCredential: "https://campusbiz.example.cn/credentials/status/1"}, *in.Status)
	_, err = CertificateInput("S", "李华", "acct-1", "salt", course, "not a url", at, 0)
	require.Error(t, err)
	require.Equal(t, "https://campusbiz.example.cn/verify/8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G", in.VerifyURL)
	require.Equal(t, time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC), in.IssuedAt)
	require.Equal(t, CertificateIssuerName, in.IssuerName)
	require.Equal(t, course.Title, in.CourseTitle)
	require.Equal(t, "李华", in.HolderName)
}

// signedCertificate issues a certificate row for serial with kp, as the
// certificate:issue step does.
func signedCertificate(t *testing.T, kp certificates.KeyPair, serial string) models.Certificate {
	t.Helper()
	return issuedCertificate(t, kp, serial, "Zoë 李", models.Course{ID: "c1", Title: "Logistics"})
}

// issuedCertificate signs a certificate row for serial, holder and course
// under https://x.example.cn with kp.
func issuedCertificate(t testing.TB, kp certificates.KeyPair, serial, holder string, course models.Course) models.Certificate {
	t.Helper()
	in, err := CertificateInput(serial, holder, "acct-1", "salt", course, "https://x.example.cn", time.Now(), 3)
	require.NoError(t, err)
	s, err := certificates.Sign(kp, certificates.NewCredential(in))
	require.NoError(t, err)
	return models.Certificate{Serial: serial, Status: CertificateValid, Credential: s, KeyID: kp.ID, StatusIndex: 3}
}

func TestVerifyCertificate(t *testing.T) {
	t.Parallel()
	oldSeed, newSeed, oldKP, _ := testKeys(t)
	serial, err := certificates.NewSerial()
	require.NoError(t, err)
	old, err := NewCertificateKeys(oldSeed, nil)
	require.NoError(t, err)
	cert := signedCertificate(t, oldKP, serial)

	v := VerifyCertificate(cert, old)
	require.True(t, v.Valid(), v.Problem)
	require.True(t, v.Problem.IsZero())
	require.Equal(t, "Zoë 李", v.Credential.CredentialSubject.Name)
	require.Equal(t, oldKP.Public, v.PublicKey)
	require.False(t, v.IssuedAt.IsZero())

	revoked := cert
	revoked.Status = CertificateRevoked
	v = VerifyCertificate(revoked, old)
	require.True(t, v.SignatureValid)
	require.True(t, v.Revoked)
	require.False(t, v.Valid(), "a revoked certificate is not valid")

	rotated, err := NewCertificateKeys(newSeed, []string{oldKP.PublicKeyBase64()})
	require.NoError(t, err)
	require.True(t, VerifyCertificate(cert, rotated).Valid(), "after a rotation the old key still verifies")
	dropped, err := NewCertificateKeys(newSeed, nil)
	require.NoError(t, err)
	v = VerifyCertificate(cert, dropped)
	require.False(t, v.Valid())
	require.Nil(t, v.PublicKey)
	require.Equal(t, msg.New(msg.CertificateKeyUnpublished, msg.Text("key", "did:web:x.example.cn#"+strings.Replace(oldKP.ID, ":", "-", 1))), v.Problem)

	other, err := certificates.NewSerial()
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		tamper func(c *models.Certificate)
		code   string
	}{
		"holder renamed": {func(c *models.Certificate) {
			c.Credential = bytes.Replace(c.Credential, []byte("Zoë 李"), []byte("Zoë 王"), 1)
		}, msg.CertificateBadSignature},
		"proof value changed": {func(c *models.Certificate) {
			var p struct{ Proof certificates.Proof }
			require.NoError(t, json.Unmarshal(c.Credential, &p))
			sig, err := certificates.DecodeBase58(p.Proof.ProofValue[1:])
			require.NoError(t, err)
			sig[10] ^= 1
			c.Credential = bytes.Replace(c.Credential, []byte(p.Proof.ProofValue), []byte("z"+certificates.EncodeBase58(sig)), 1)
		}, msg.CertificateBadSignature},
		"another serial's signed credential": {func(c *models.Certificate) {
			o := signedCertificate(t, oldKP, other)
			c.Credential = o.Credential
		}, msg.CertificateSerialMismatch},
		"credential not JSON": {func(c *models.Certificate) { c.Credential = []byte("{") }, msg.CertificateBadCredential},
		"no proof": {func(c *models.Certificate) {
			c.Credential = []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"x"}`)
		}, msg.CertificateBadCredential},
		"proof names another key": {func(c *models.Certificate) {
			c.Credential = bytes.Replace(c.Credential, []byte("#ed25519-"), []byte("#ed25519-0"), 1)
		}, msg.CertificateKeyUnpublished},
	} {
		c := cert
		c.Credential = append([]byte(nil), cert.Credential...)
		tc.tamper(&c)
		v := VerifyCertificate(c, old)
		require.False(t, v.SignatureValid, name)
		require.False(t, v.Valid(), name)
		require.Equal(t, tc.code, v.Problem.Code, name)
		_, err := CertificatePDF(v, c.Serial, time.UTC)
		require.Error(t, err, "%s: no PDF for a certificate that does not verify", name)
	}
}

// BenchmarkCertificatePDF measures rendering a certificate on demand from
// its verified credential, with a Chinese holder name (the CJK font is
// embedded as a subset): the cost GET /certificates/{serial}/pdf pays
// instead of storing every PDF.
func BenchmarkCertificatePDF(b *testing.B) {
	seed, kp, err := certificates.GenerateSigningKey()
	require.NoError(b, err)
	keys, err := NewCertificateKeys(seed, nil)
	require.NoError(b, err)
	serial, err := certificates.NewSerial()
	require.NoError(b, err)
	cert := issuedCertificate(b, kp, serial, "欧阳明月", models.Course{ID: "c1", Title: "网店营销 E-commerce Marketing"})
	b.ReportAllocs()
	var size int
	for b.Loop() {
		pdf, err := CertificatePDF(VerifyCertificate(cert, keys), serial, time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
