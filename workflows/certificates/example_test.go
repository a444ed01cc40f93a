package certificates_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// ExampleSign signs a certificate with a fixed key and time, then verifies
// it the way a third party would: with only the published public key.
func ExampleSign() {
	// In production the seed comes from a secret (GenerateSigningKey once).
	kp, err := certificates.ParseSigningKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		panic(err)
	}
	cred := certificates.NewCredential(certificates.Input{
		Serial:      "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
		HolderName:  "李华",
		CourseID:    "ecom-101",
		CourseTitle: "Live-Streaming Sales Fundamentals",
		IssuerName:  "CampusBiz Training Centre",
		IssuerURL:   "https://campusbiz.example.cn",
		IssuedAt:    time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC),
		VerifyURL:   "https://campusbiz.example.cn/verify/8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G",
	})
	signed, err := certificates.Sign(kp, cred)
	if err != nil {
		panic(err)
	}
	fmt.Println("key id:", signed.KeyID)
	fmt.Println("signature:", signed.Signature)

	pub, err := certificates.ParsePublicKey(kp.PublicKeyBase64())
	if err != nil {
		panic(err)
	}
	fmt.Println("verified:", certificates.Verify(signed.Credential, signed.Signature, pub) == nil)

	forged := bytes.Replace(signed.Credential, []byte("李华"), []byte("李四"), 1)
	err = certificates.Verify(forged, signed.Signature, pub)
	fmt.Println("forged name rejected:", errors.Is(err, certificates.ErrBadSignature))
	// Output:
	// key id: ed25519:56475aa75463474c
	// signature: kym6w0e07Dy5MXOUAynIkpHvWWAl_ChWVXqmcYE_JkzlHxFhdCtGs88YeoK79bEwBwAmxubVhv4ydrNedwQpBg
	// verified: true
	// forged name rejected: true
}
