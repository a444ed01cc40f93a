package ratelimit_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/ratelimit"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// spend calls Allow n times for key and counts the passes.
func spend(t *testing.T, l *ratelimit.Limiter, key string, n int) int {
	t.Helper()
	passed := 0
	for range n {
		if ok, _ := l.Allow(context.Background(), key); ok {
			passed++
		}
	}
	return passed
}

func TestBurstThenRefusedWithTheWaitForOneToken(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t).Client
	l := ratelimit.New(rdb, ratelimit.Limit{Name: "t", PerMinute: 1, Burst: 5}, nil)
	require.Equal(t, 5, spend(t, l, "a", 5))
	ok, wait := l.Allow(context.Background(), "a")
	require.False(t, ok)
	require.InDelta(t, time.Minute, wait, float64(5*time.Second), "one token comes back each minute")
	require.Equal(t, 5, spend(t, l, "b", 6), "keys have their own buckets")

	keys, err := rdb.Keys(context.Background(), ratelimit.KeyPrefix+"t:*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 2)
	for _, k := range keys {
		ttl, err := rdb.PTTL(context.Background(), k).Result()
		require.NoError(t, err)
		require.Positive(t, ttl, "a bucket expires once it would be full again")
		require.LessOrEqual(t, ttl, 5*time.Minute)
	}
}

// Keys are e-mail addresses and client IPs: Redis holds only their hashes.
func TestRedisHoldsNoKeyInTheClear(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t).Client
	l := ratelimit.New(rdb, ratelimit.Limit{Name: "login_account", PerMinute: 10, Burst: 10}, nil)
	ok, _ := l.Allow(context.Background(), "wang.fang@zju.edu.cn")
	require.True(t, ok)
	keys, err := rdb.Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.True(t, strings.HasPrefix(keys[0], ratelimit.KeyPrefix+"login_account:"), keys[0])
	require.NotContains(t, keys[0], "wang")
	require.NotContains(t, keys[0], "zju")
}

func TestATokenComesBackAfterTheWait(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(testenv.Redis(t).Client, ratelimit.Limit{Name: "t", PerMinute: 1200, Burst: 1}, nil)
	ctx := context.Background()
	ok, _ := l.Allow(ctx, "k")
	require.True(t, ok)
	ok, wait := l.Allow(ctx, "k")
	require.False(t, ok)
	require.LessOrEqual(t, wait, 50*time.Millisecond)
	time.Sleep(wait + 5*time.Millisecond)
	ok, _ = l.Allow(ctx, "k")
	require.True(t, ok, "refused after waiting what it said")
}

// Two limiters on one Redis stand for two serve processes: together they
// pass one budget, even when every request races the others.
func TestProcessesShareOneBudget(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t).Client
	limit := ratelimit.Limit{Name: "login_ip", PerMinute: 10, Burst: 10}
	procs := []*ratelimit.Limiter{ratelimit.New(rdb, limit, nil), ratelimit.New(rdb, limit, nil)}
	var passed atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if ok, _ := procs[i%2].Allow(context.Background(), "203.0.113.7"); ok {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 10, passed.Load())

	other := ratelimit.New(rdb, ratelimit.Limit{Name: "register_ip", PerMinute: 10, Burst: 10}, nil)
	require.Equal(t, 10, spend(t, other, "203.0.113.7", 10), "limits of other names keep their own buckets")
}

// While Redis cannot answer, the process's own buckets still limit.
func TestRedisDownFallsBackToThisProcess(t *testing.T) {
	t.Parallel()
	var dials atomic.Int64
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}})
	t.Cleanup(func() { _ = down.Close() })
	l := ratelimit.New(down, ratelimit.Limit{Name: "t", PerMinute: 1, Burst: 3}, testenv.Logger(t))
	require.Equal(t, 3, spend(t, l, "k", 100))
	ok, wait := l.Allow(context.Background(), "k")
	require.False(t, ok)
	require.Greater(t, wait, 30*time.Second)
	require.LessOrEqual(t, dials.Load(), int64(2), "Redis is not asked again within a second of failing")
}

func TestWithoutRedisBucketsAreLocal(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(nil, ratelimit.Limit{Name: "t", PerMinute: 1, Burst: 2}, nil)
	require.Equal(t, 2, spend(t, l, "k", 5))
	_, wait := l.Allow(context.Background(), "k")
	require.InDelta(t, time.Minute, wait, float64(5*time.Second))
}

// Check looks without taking: any number of checks leave the budget whole,
// and once it is spent they answer the same wait Allow does; with Redis
// and in the process's own buckets.
func TestCheckTakesNothing(t *testing.T) {
	t.Parallel()
	for name, rdb := range map[string]redis.UniversalClient{"redis": testenv.Redis(t).Client, "local": nil} {
		l := ratelimit.New(rdb, ratelimit.Limit{Name: "check", PerMinute: 1, Burst: 3}, nil)
		ctx := context.Background()
		for range 10 {
			ok, _ := l.Check(ctx, "k")
			require.True(t, ok, name)
		}
		require.Equal(t, 3, spend(t, l, "k", 3), name)
		ok, wait := l.Check(ctx, "k")
		require.False(t, ok, name)
		require.InDelta(t, time.Minute, wait, float64(5*time.Second), name)
		_, allowWait := l.Allow(ctx, "k")
		require.InDelta(t, wait, allowWait, float64(time.Second), name)
	}
}
