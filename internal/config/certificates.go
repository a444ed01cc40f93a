package config

import (
	"fmt"
	"strings"

	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// validateCertificates checks the certificate keys without quoting them:
// the signing key is a secret.
func (c Config) validateCertificates() error {
	if strings.TrimSpace(c.CertSigningKey) != "" {
		if _, err := certificates.ParseSigningKey(c.CertSigningKey); err != nil {
			return fmt.Errorf("CERT_SIGNING_KEY: want the standard base64 of a 32-byte Ed25519 seed: %w", err)
		}
	}
	for i, k := range c.CertPublicKeys {
		if strings.TrimSpace(k) == "" {
			continue
		}
		if _, err := certificates.ParsePublicKey(k); err != nil {
			return fmt.Errorf("CERT_PUBLIC_KEYS: key %d: want the standard base64 of a 32-byte Ed25519 public key: %w", i+1, err)
		}
	}
	if _, err := certificates.DIDWeb(c.PublicBaseURL); err != nil {
		return fmt.Errorf("PUBLIC_BASE_URL: the certificates' issuer DID (did:web) is made from its host: %w", err)
	}
	if c.CertVerifyRate < 1 || c.CertVerifyRate > 100000 {
		return fmt.Errorf("CERT_VERIFY_RATE: %d is outside 1..100000", c.CertVerifyRate)
	}
	return nil
}
