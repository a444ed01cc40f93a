package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/stretchr/testify/require"
)

func TestDevSigningKeyIsKeptAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), ".dev")

	first := config.Config{DevDir: dir}
	note, err := devSigningKey(&first)
	require.NoError(t, err)
	kp, err := certificates.ParseSigningKey(first.CertSigningKey)
	require.NoError(t, err)
	require.Contains(t, note, kp.ID)
	require.Contains(t, note, "generated now", "dev says it made a key")
	require.Contains(t, note, filepath.Join(dir, devSigningKeyFile))
	st, err := os.Stat(filepath.Join(dir, devSigningKeyFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the key file is private")

	restart := config.Config{DevDir: dir}
	note, err = devSigningKey(&restart)
	require.NoError(t, err)
	require.Equal(t, first.CertSigningKey, restart.CertSigningKey, "the same key after a restart")
	require.NotContains(t, note, "generated")
	require.Contains(t, note, kp.ID)

	seed, own, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	configured := config.Config{DevDir: t.TempDir(), CertSigningKey: seed, PublicBaseURL: "http://127.0.0.1:8080"}
	note, err = devSigningKey(&configured)
	require.NoError(t, err)
	require.Equal(t, seed, configured.CertSigningKey)
	require.Contains(t, note, own.ID+" (from CERT_SIGNING_KEY)")
	require.Contains(t, note, "did:web:127.0.0.1%3A8080 (http://127.0.0.1:8080/.well-known/did.json)", "dev names the issuer DID")
	require.NoFileExists(t, filepath.Join(configured.DevDir, devSigningKeyFile))

	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, devSigningKeyFile), []byte("not a key\n"), 0o600))
	_, err = devSigningKey(&config.Config{DevDir: broken})
	require.ErrorContains(t, err, filepath.Join(broken, devSigningKeyFile))
	require.ErrorContains(t, err, "delete the file")
}
