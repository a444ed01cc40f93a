package config

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/stretchr/testify/require"
)

func TestCertificateSettings(t *testing.T) {
	t.Parallel()
	seed, kp, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	_, old, err := certificates.GenerateSigningKey()
	require.NoError(t, err)

	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err, "no key is fine: serve and worker start, issuance waits for one")
	require.Empty(t, cfg.CertSigningKey)
	require.Equal(t, 120, cfg.CertVerifyRate)

	cfg, err = LoadFrom(map[string]string{"CERT_SIGNING_KEY": seed, "CERT_PUBLIC_KEYS": old.PublicKeyBase64() + "," + kp.PublicKeyBase64()})
	require.NoError(t, err)
	require.Equal(t, []string{old.PublicKeyBase64(), kp.PublicKeyBase64()}, cfg.CertPublicKeys)

	short := base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))
	for env, want := range map[string]string{
		"CERT_SIGNING_KEY=" + short:                        "CERT_SIGNING_KEY: want the standard base64 of a 32-byte Ed25519 seed",
		"CERT_SIGNING_KEY=" + seed + "!":                   "CERT_SIGNING_KEY:",
		"CERT_PUBLIC_KEYS=" + old.PublicKeyBase64() + ",x": "CERT_PUBLIC_KEYS: key 2",
		"CERT_VERIFY_RATE=0":                               "CERT_VERIFY_RATE: 0 is outside",
	} {
		name, value, _ := strings.Cut(env, "=")
		_, err := LoadFrom(map[string]string{name: value})
		require.Error(t, err, env)
		require.Contains(t, err.Error(), want, env)
		require.NotContains(t, err.Error(), seed, "the signing key never appears in an error")
	}
}
