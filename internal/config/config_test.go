package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, ":8080", cfg.HTTPAddr)
	require.Equal(t, "fetch", cfg.ShopVerification)
	require.Equal(t, 20, cfg.WorkerConcurrency)
	require.Contains(t, cfg.DatabaseURL, "/campusbiz")
	require.Equal(t, "Asia/Shanghai", cfg.Location().String())
}

func TestBadSettingNamesTheVariable(t *testing.T) {
	t.Parallel()
	for env, want := range map[string]string{
		"WORKER_CONCURRENCY=abc":        "WORKER_CONCURRENCY: not a valid int",
		"WORKER_CONCURRENCY=0":          "WORKER_CONCURRENCY: 0 is outside 1..1000",
		"SHOP_VERIFICATION=maybe":       `SHOP_VERIFICATION: "maybe" is not one of fetch, manual`,
		"DATABASE_URL=mysql://x/y":      `DATABASE_URL: scheme "mysql" is not one of postgres, postgresql`,
		"REDIS_URL=not a url":           `REDIS_URL:`,
		"REQUEST_TIMEOUT=soon":          "REQUEST_TIMEOUT: not a valid time.Duration",
		"TRUSTED_PROXIES=10.0.0.0/8,xx": `TRUSTED_PROXIES: "xx" is not a CIDR`,
		"ADMIN_EMAIL=a@b.c":             "ADMIN_EMAIL, ADMIN_PASSWORD: set both or neither",
		"LOG_LEVEL=loud":                `LOG_LEVEL: "loud"`,
		"TIME_ZONE=Mars/Olympus":        `TIME_ZONE: "Mars/Olympus"`,
	} {
		name, value, _ := strings.Cut(env, "=")
		_, err := LoadFrom(map[string]string{name: value})
		require.Error(t, err, env)
		require.Contains(t, err.Error(), want, env)
	}
}

func TestPasswordsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	_, err := LoadFrom(map[string]string{"DATABASE_URL": "mysql://user:secret@host/db"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret")
}
