package workflows_test

import (
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// ExampleVerifyCertificate issues a certificate the way certificate:issue
// does, then re-checks it as GET /certificates/{serial} does: against the
// published keys, and again after it is revoked.
func ExampleVerifyCertificate() {
	keys, err := workflows.NewCertificateKeys("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", nil)
	if err != nil {
		panic(err)
	}
	signing, _ := keys.Signing()
	serial := "8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G"
	course := models.Course{ID: "0190c1f2-0000-7000-8000-000000000001", Title: "Product Photography"}
	in, err := workflows.CertificateInput(serial, "李华", "account-id", "salt", course, "https://campusbiz.example.cn",
		time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC), 0)
	if err != nil {
		panic(err)
	}
	signed, err := certificates.Sign(signing, certificates.NewCredential(in))
	if err != nil {
		panic(err)
	}
	cert := models.Certificate{Serial: serial, Status: workflows.CertificateValid, Credential: signed, KeyID: signing.ID}

	v := workflows.VerifyCertificate(cert, keys)
	fmt.Println("holder:", v.Credential.CredentialSubject.Name)
	fmt.Println("verify at:", in.VerifyURL)
	fmt.Println("signed by:", v.Credential.Proof.VerificationMethod)
	fmt.Println("status list:", v.Credential.CredentialStatus.StatusListCredential)
	fmt.Println("valid:", v.Valid())

	cert.Status = workflows.CertificateRevoked
	v = workflows.VerifyCertificate(cert, keys)
	fmt.Println("after revocation: signature valid:", v.SignatureValid, "valid:", v.Valid())
	// Output:
	// holder: 李华
	// verify at: https://campusbiz.example.cn/verify/8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G
	// signed by: did:web:campusbiz.example.cn#ed25519-56475aa75463474c
	// status list: https://campusbiz.example.cn/credentials/status/0
	// valid: true
	// after revocation: signature valid: true valid: false
}
