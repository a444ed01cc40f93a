package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPprofAddrMustBeLoopback(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		_, err := LoadFrom(map[string]string{"PPROF_ADDR": ok})
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{":6060", "0.0.0.0:6060", "10.0.0.1:6060", "[::]:6060", "example.com:6060", "127.0.0.1", "127.0.0.1:"} {
		_, err := LoadFrom(map[string]string{"PPROF_ADDR": bad})
		require.ErrorContains(t, err, "PPROF_ADDR", bad)
	}
}

func TestLoginRate(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, 10, cfg.LoginRate)
	_, err = LoadFrom(map[string]string{"LOGIN_RATE": "0"})
	require.ErrorContains(t, err, "LOGIN_RATE")
}
