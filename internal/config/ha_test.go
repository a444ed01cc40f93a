package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHighAvailabilitySettings(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, "single", cfg.RedisMode)
	require.Equal(t, 30*time.Minute, cfg.DBConnMaxLifetime)

	cfg, err = LoadFrom(map[string]string{
		"REDIS_MODE":   "sentinel",
		"REDIS_URL":    "redis://127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380&addr=127.0.0.1:26381",
		"DATABASE_URL": "postgres://postgres@10.0.0.1:5432,10.0.0.2:5432/campusbiz?target_session_attrs=read-write",
	})
	require.NoError(t, err, "a Sentinel URL and a multi-host database URL are accepted")
	require.Equal(t, "sentinel", cfg.RedisMode)
	require.Empty(t, cfg.DatabaseReplicaURL)

	cfg, err = LoadFrom(map[string]string{"DATABASE_REPLICA_URL": "postgres://postgres@10.0.0.2:5432,10.0.0.3:5432/campusbiz?target_session_attrs=prefer-standby"})
	require.NoError(t, err)
	require.Contains(t, cfg.DatabaseReplicaURL, "prefer-standby")

	_, err = LoadFrom(map[string]string{"REDIS_MODE": "cluster", "REDIS_URL": "redis://127.0.0.1:7000?addr=127.0.0.1:7001"})
	require.NoError(t, err)

	for env, want := range map[string]map[string]string{
		"REDIS_MODE: \"ring\" is not one of":     {"REDIS_MODE": "ring"},
		"REDIS_URL:":                             {"REDIS_MODE": "sentinel", "REDIS_URL": "redis://127.0.0.1:26379"},
		"DB_CONN_MAX_LIFETIME: must be at least": {"DB_CONN_MAX_LIFETIME": "10ms"},
		"DATABASE_REPLICA_URL: scheme \"mysql\"": {"DATABASE_REPLICA_URL": "mysql://h/db"},
	} {
		_, err := LoadFrom(want)
		require.Error(t, err, env)
		require.Contains(t, err.Error(), env)
	}
}
