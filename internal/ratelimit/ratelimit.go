// Package ratelimit holds campusbiz's rate limits: token buckets kept in
// Redis, so every API and page process spends one budget per key, with a
// bucket in the process's memory to fall back on while Redis cannot answer.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit is a token bucket: Burst tokens at most, refilled at PerMinute.
type Limit struct {
	// Name keeps the buckets of different limits apart ("login_ip").
	Name string
	// PerMinute is the sustained rate.
	PerMinute int
	// Burst is how many requests may come at once after a quiet spell.
	Burst int
}

// interval is the time one token takes to come back.
func (l Limit) interval() time.Duration { return time.Minute / time.Duration(l.PerMinute) }

// Limiter applies one Limit per key (an account id, a client IP).
type Limiter struct {
	limit  Limit
	redis  redis.UniversalClient
	prefix string
	local  *localBuckets
	log    *slog.Logger
	// failedAt is when Redis last failed (Unix ns): for retryAfter the
	// local buckets decide without asking Redis, so an outage costs no
	// dial per request.
	failedAt atomic.Int64
	// warnedAt is when a failure was last logged (Unix ns), so an outage
	// logs one line per warnEvery, not one per request.
	warnedAt atomic.Int64
}

// KeyPrefix starts every Redis key a Limiter writes: KeyPrefix, the
// limit's name, a colon, and a hash of the key.
const KeyPrefix = "campusbiz:ratelimit:"

const (
	retryAfter = time.Second
	warnEvery  = 10 * time.Second
)

// New is a Limiter for limit whose buckets live in rdb; with a nil rdb
// they live in this process only. log receives Redis failures.
func New(rdb redis.UniversalClient, limit Limit, log *slog.Logger) *Limiter {
	if limit.PerMinute <= 0 || limit.Burst <= 0 {
		panic("ratelimit: PerMinute and Burst must be positive")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Limiter{limit: limit, redis: rdb, prefix: KeyPrefix + limit.Name + ":", local: newLocalBuckets(limit), log: log}
}

// Allow takes a token from key's bucket. When none is left it answers false
// and how long until one is. If Redis fails, the process's own bucket for
// key decides (for a second, then Redis is tried again), so an outage
// neither opens the gate nor shuts it.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	return l.run(ctx, key, true)
}

// Check answers as Allow would, without taking a token: a caller that
// spends the budget only on some outcomes (a failed sign-in) checks first
// and takes later.
func (l *Limiter) Check(ctx context.Context, key string) (bool, time.Duration) {
	return l.run(ctx, key, false)
}

func (l *Limiter) run(ctx context.Context, key string, take bool) (bool, time.Duration) {
	if l.redis == nil || time.Since(time.Unix(0, l.failedAt.Load())) < retryAfter {
		return l.local.allow(key, take)
	}
	flag := 0
	if take {
		flag = 1
	}
	wait, err := gcra.Run(ctx, l.redis, []string{l.redisKey(key)},
		l.limit.interval().Microseconds(), l.limit.Burst, flag).Int64()
	if err != nil {
		if ctx.Err() == nil { // a request that went away says nothing of Redis
			l.failedAt.Store(time.Now().UnixNano())
			l.warn(ctx, err)
		}
		return l.local.allow(key, take)
	}
	if wait > 0 {
		return false, time.Duration(wait) * time.Microsecond
	}
	return true, 0
}

// redisKey is key's bucket in Redis. Keys are e-mail addresses and client
// IPs, so Redis holds only a hash of them.
func (l *Limiter) redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return l.prefix + hex.EncodeToString(sum[:16])
}

func (l *Limiter) warn(ctx context.Context, err error) {
	now := time.Now().UnixNano()
	last := l.warnedAt.Load()
	if now-last < int64(warnEvery) || !l.warnedAt.CompareAndSwap(last, now) {
		return
	}
	l.log.WarnContext(ctx, "rate limit: Redis failed, this process's own buckets decide meanwhile",
		"limit", l.limit.Name, "err", err)
}

// gcra is the generic cell rate algorithm, the token bucket kept as one
// number: the theoretical arrival time (TAT) of the next request, in
// microseconds of Redis's clock, so processes' clocks never disagree.
// KEYS[1] is the bucket; ARGV are the interval between tokens (µs), the
// burst and whether to take a token (1) or only look (0). It answers 0
// when the request may pass, else the wait (µs).
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait > 0 then return wait end
if ARGV[3] ~= '1' then return 0 end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return 0
`)

// localBuckets are per-key token buckets in this process's memory. Buckets
// unused for ten minutes are dropped (checked at most once a minute).
type localBuckets struct {
	mu      sync.Mutex
	limit   Limit
	buckets map[string]*localBucket
	swept   time.Time
}

type localBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLocalBuckets(limit Limit) *localBuckets {
	return &localBuckets{limit: limit, buckets: map[string]*localBucket{}, swept: time.Now()}
}

func (l *localBuckets) allow(key string, take bool) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &localBucket{lim: rate.NewLimiter(rate.Every(l.limit.interval()), l.limit.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d > 0 || !take {
		r.CancelAt(now)
	}
	return d <= 0, max(d, 0)
}
