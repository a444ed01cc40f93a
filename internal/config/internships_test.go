package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInternshipSettings(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFrom(map[string]string{})
	require.NoError(t, err)
	require.Equal(t, 72*time.Hour, cfg.InternshipOfferTTL)
	sched, err := cfg.MatchCron()
	require.NoError(t, err)
	require.Nil(t, sched, "no schedule by default: rounds start from the API only")

	cfg, err = LoadFrom(map[string]string{"MATCH_SCHEDULE": "CRON_TZ=Asia/Shanghai 0 2 * * *", "INTERNSHIP_OFFER_TTL": "24h"})
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, cfg.InternshipOfferTTL)
	sched, err = cfg.MatchCron()
	require.NoError(t, err)
	next := sched.Next(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	require.Equal(t, time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC), next.UTC(), "02:00 in Shanghai is 18:00 UTC")

	for env, want := range map[string]string{
		"INTERNSHIP_OFFER_TTL": "INTERNSHIP_OFFER_TTL: must be at least 1m",
		"MATCH_SCHEDULE":       `MATCH_SCHEDULE: "every night" is not a cron schedule`,
	} {
		value := map[string]string{"INTERNSHIP_OFFER_TTL": "30s", "MATCH_SCHEDULE": "every night"}[env]
		_, err := LoadFrom(map[string]string{env: value})
		require.ErrorContains(t, err, want)
	}
}
