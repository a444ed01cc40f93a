package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestShopSettings(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, 10*time.Second, cfg.ShopFetchTimeout)
	require.Equal(t, 5*time.Minute, cfg.ShopCheckDelay)
	allow, err := cfg.ShopFetchAllowlist()
	require.NoError(t, err)
	require.Empty(t, allow.Hosts, "nothing private is allowed by default")
	require.Empty(t, allow.Prefixes)

	cfg, err = LoadFrom(map[string]string{"SHOP_FETCH_ALLOW": "shops.internal, 10.8.0.0/16", "SHOP_CHECK_DELAY": "0s"})
	require.NoError(t, err)
	allow, err = cfg.ShopFetchAllowlist()
	require.NoError(t, err)
	require.Equal(t, []string{"shops.internal"}, allow.Hosts)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.8.0.0/16")}, allow.Prefixes)

	for env, want := range map[string]string{
		"SHOP_FETCH_ALLOW=10.0.0.0/99": `SHOP_FETCH_ALLOW: "10.0.0.0/99" is not a CIDR`,
		"SHOP_FETCH_ALLOW=a b":         `SHOP_FETCH_ALLOW: "a b" is not a host name`,
		"SHOP_FETCH_TIMEOUT=0s":        "SHOP_FETCH_TIMEOUT: must be from 1s to 1m",
		"SHOP_FETCH_TIMEOUT=5m":        "SHOP_FETCH_TIMEOUT: must be from 1s to 1m",
		"SHOP_CHECK_DELAY=-1s":         "SHOP_CHECK_DELAY: must be from 0s to 24h",
	} {
		name, value, _ := strings.Cut(env, "=")
		_, err := LoadFrom(map[string]string{name: value})
		require.ErrorContains(t, err, want, env)
	}
}
