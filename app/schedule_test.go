package app_test

import (
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/require"
)

func TestLastTick(t *testing.T) {
	parse := func(spec string) cron.Schedule {
		s, err := cron.ParseStandard(spec)
		require.NoError(t, err)
		return s
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	for _, tc := range []struct{ spec, now, want string }{
		{"0 2 * * *", "2026-12-07T02:00:00Z", "2026-12-07T02:00:00Z"}, // on the tick
		{"0 2 * * *", "2026-12-07T02:00:40Z", "2026-12-07T02:00:00Z"}, // a late delivery
		{"0 2 * * *", "2026-12-07T01:59:59Z", "2026-12-06T02:00:00Z"}, // before today's: yesterday's
		{"*/5 * * * *", "2026-12-07T10:07:13Z", "2026-12-07T10:05:00Z"},
		{"0 0 1 * *", "2026-12-20T00:00:00Z", "2026-12-01T00:00:00Z"}, // monthly
		{"@every 10s", "2026-12-07T10:07:13.5Z", "2026-12-07T10:07:10Z"},
		{"CRON_TZ=Asia/Shanghai 0 2 * * *", "2026-12-06T18:30:00Z", "2026-12-06T18:00:00Z"}, // 02:00 in Beijing
	} {
		got := app.LastTick(parse(tc.spec), at(tc.now))
		require.True(t, got.Equal(at(tc.want)), "%s at %s: got %s, want %s", tc.spec, tc.now, got.UTC(), tc.want)
	}
}

func TestMatchTickOptionsAreUniqueForHalfTheInterval(t *testing.T) {
	s, err := cron.ParseStandard("@every 1m")
	require.NoError(t, err)
	opts := app.MatchTickOptions(s, time.Now())
	var unique time.Duration
	for _, o := range opts {
		if o.Type() == asynq.UniqueOpt {
			unique = o.Value().(time.Duration)
		}
	}
	require.Equal(t, 30*time.Second, unique)
}
