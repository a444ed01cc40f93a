package certificates_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// ExampleSign signs a certificate as a W3C Verifiable Credential with an
// eddsa-rdfc-2022 proof by a key of the issuer's did:web DID document,
// then verifies it the way a third party would: with the key found in
// that document.
func ExampleSign() {
	// In production the seed comes from a secret (GenerateSigningKey once).
	kp, err := certificates.ParseSigningKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		panic(err)
	}
	did, err := certificates.DIDWeb("https://campusbiz.example.cn")
	if err != nil {
		panic(err)
	}
	status := certificates.NewStatusEntry("https://campusbiz.example.cn/credentials/status/0", 42)
	cred := certificates.NewCredential(certificates.Input{
		Serial:      "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
		HolderName:  "李华",
		HolderID:    "0190c1f2-0000-7000-8000-000000000001",
		HolderSalt:  "5a1t",
		CourseID:    "ecom-101",
		CourseTitle: "Live-Streaming Sales Fundamentals",
		IssuerName:  "CampusBiz Training Centre",
		IssuerURL:   "https://campusbiz.example.cn",
		IssuerDID:   did,
		Status:      &status,
		IssuedAt:    time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC),
	})
	signed, err := certificates.Sign(kp, cred)
	if err != nil {
		panic(err)
	}

	// The verifier resolves the proof's verification method in the DID
	// document the issuer publishes at /.well-known/did.json.
	doc := certificates.NewDIDDocument(did, []ed25519.PublicKey{kp.Public})
	resolve := func(vm string) (ed25519.PublicKey, error) {
		for _, m := range doc.VerificationMethod {
			if m.ID == vm {
				return certificates.DecodeMultikey(m.PublicKeyMultibase)
			}
		}
		return nil, certificates.ErrInvalidKey
	}
	got, err := certificates.Verify(signed, resolve)
	fmt.Println("verified:", err == nil)
	fmt.Println("verification method:", got.Proof.VerificationMethod)
	fmt.Println("key:", doc.VerificationMethod[0].PublicKeyMultibase)

	forged := []byte(strings.Replace(string(signed), "李华", "李四", 1))
	_, err = certificates.Verify(forged, resolve)
	fmt.Println("forged name rejected:", errors.Is(err, certificates.ErrBadSignature))
	// Output:
	// verified: true
	// verification method: did:web:campusbiz.example.cn#ed25519-56475aa75463474c
	// key: z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd
	// forged name rejected: true
}
