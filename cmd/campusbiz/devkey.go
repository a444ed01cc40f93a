package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/workflows/certificates"
)

// devSigningKeyFile is where dev keeps the certificate signing key it made.
const devSigningKeyFile = "cert-signing-key"

// devSigningKey gives dev a certificate signing key when CERT_SIGNING_KEY is
// unset: generated on the first run and kept in DEV_DIR, so certificates
// issued before a restart still verify after it. It returns the line dev
// prints about the key, which names the issuer's did:web DID too.
func devSigningKey(cfg *config.Config) (string, error) {
	if cfg.CertSigningKey != "" {
		kp, err := certificates.ParseSigningKey(cfg.CertSigningKey)
		if err != nil {
			return "", fmt.Errorf("CERT_SIGNING_KEY: %w", err)
		}
		return kp.ID + " (from CERT_SIGNING_KEY)" + issuerNote(cfg), nil
	}
	seed, created, err := devSecret(cfg.DevDir, devSigningKeyFile, func() (string, error) {
		seed, _, err := certificates.GenerateSigningKey()
		return seed, err
	})
	if err != nil {
		return "", err
	}
	path := filepath.Join(cfg.DevDir, devSigningKeyFile)
	kp, err := certificates.ParseSigningKey(seed)
	if err != nil {
		return "", fmt.Errorf("%s: %w (delete the file to make a new key)", path, err)
	}
	cfg.CertSigningKey = seed
	verb := "kept"
	if created {
		verb = "generated now and kept"
	}
	return fmt.Sprintf("%s, a dev key %s in %s; set CERT_SIGNING_KEY outside dev%s", kp.ID, verb, path, issuerNote(cfg)), nil
}

// issuerNote names the issuer DID and where its document is served.
func issuerNote(cfg *config.Config) string {
	did, err := certificates.DIDWeb(cfg.PublicBaseURL)
	if err != nil {
		return ""
	}
	return "\n  issuer DID:      " + did + " (" + strings.TrimRight(cfg.PublicBaseURL, "/") + "/.well-known/did.json)"
}
