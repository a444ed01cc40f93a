package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubmitRate(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, 30, cfg.SubmitRate, "default")
	cfg, err = LoadFrom(map[string]string{"SUBMIT_RATE": "5"})
	require.NoError(t, err)
	require.Equal(t, 5, cfg.SubmitRate)
	for _, bad := range []string{"0", "-1", "100001"} {
		_, err := LoadFrom(map[string]string{"SUBMIT_RATE": bad})
		require.ErrorContains(t, err, "SUBMIT_RATE: ", bad)
	}
	_, err = LoadFrom(map[string]string{"SUBMIT_RATE": "many"})
	require.ErrorContains(t, err, "SUBMIT_RATE: not a valid int")
}
