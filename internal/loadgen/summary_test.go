package loadgen

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentilesNearestRank(t *testing.T) {
	t.Parallel()
	require.Equal(t, Latency{}, Percentiles(nil))
	sample := make([]time.Duration, 200)
	for i := range sample {
		sample[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	require.Equal(t, Latency{P50: 100 * time.Millisecond, P95: 190 * time.Millisecond, P99: 198 * time.Millisecond,
		Max: 200 * time.Millisecond}, Percentiles(sample))
	one := []time.Duration{7}
	require.Equal(t, Latency{P50: 7, P95: 7, P99: 7, Max: 7}, Percentiles(one))
}

func TestRouteHidesIDs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/api/v1/onboarding/0198c5a2-7e1f-7c3a-9b1e-2f4d5c6a7b8c":           "/onboarding/{id}",
		"/api/v1/shops/0198c5a2-7e1f-7c3a-9b1e-2f4d5c6a7b8c/events?limit=5": "/shops/{id}/events",
		"/api/v1/colleges?limit=200":                                        "/colleges",
		"/api/v1/fund-applications":                                         "/fund-applications",
	} {
		require.Equal(t, want, Route(in), in)
	}
}

func TestSummaryAddsUp(t *testing.T) {
	t.Parallel()
	r := newRecorder()
	r.started.Add(3)
	r.completed.Add(2)
	r.failed.Add(1)
	r.request("register", 201, time.Millisecond, true)
	r.request("register", 201, 3*time.Millisecond, true)
	r.request("register", 409, 2*time.Millisecond, false)
	r.request("GET /onboarding/{id}", 0, time.Second, false)
	r.settled("onboarding", "verified", 40*time.Millisecond)
	r.skip("shop confirm: no admin")
	s := r.summary(2 * time.Second)
	require.EqualValues(t, 4, s.Requests())
	reg := s.Endpoint("register")
	require.EqualValues(t, 3, reg.Requests)
	require.EqualValues(t, 1, reg.Errors)
	require.Equal(t, map[int]int64{201: 2, 409: 1}, reg.Statuses)
	require.InDelta(t, 1.5, reg.RPS, 1e-9)
	require.Equal(t, 3*time.Millisecond, reg.Max)
	require.Equal(t, map[string]int64{"verified": 1}, s.Workflow("onboarding").States)
	var out bytes.Buffer
	require.NoError(t, s.WriteTable(&out))
	require.Contains(t, out.String(), "3 started, 2 completed, 1 failed")
	require.Contains(t, out.String(), "not driven: shop confirm: no admin (1 applicants)")
}
