package config

import (
	"net"
	"net/netip"
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

// FuzzCheckLoopback: whatever PPROF_ADDR says, an accepted address listens
// on loopback only.
func FuzzCheckLoopback(f *testing.F) {
	for _, s := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", ":6060", "0.0.0.0:6060", "[::ffff:127.0.0.1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if checkLoopback("PPROF_ADDR", addr) != nil || addr == "" {
			return
		}
		host, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		require.NotEmpty(t, port)
		if host == "localhost" {
			return
		}
		ip, err := netip.ParseAddr(host)
		require.NoError(t, err)
		require.True(t, ip.IsLoopback(), addr)
		require.False(t, ip.IsUnspecified(), addr)
	})
}
