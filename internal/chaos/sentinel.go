package chaos

import (
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/internal/redisconn"
)

// FaultSentinelFailover SIGKILLs the Redis primary of a Sentinel set; a
// sentinel promotes the replica and every process follows it.
const FaultSentinelFailover = "sentinel failover"

// SentinelTopology is a Redis primary with a replica watched by sentinels,
// for a run with Config.Sentinel set.
type SentinelTopology interface {
	// URL is the REDIS_URL of REDIS_MODE=sentinel.
	URL() string
	// Failover kills the primary, waits for a sentinel to promote a
	// replica and brings the killed server back as a replica; it returns
	// the time from the kill to the promotion.
	Failover() (time.Duration, error)
}

// redisSettings are the REDIS_MODE and REDIS_URL of the run's processes:
// the sentinels when the run has them, else the single server.
func (c Config) redisSettings() (mode, url string) {
	if c.Sentinel != nil {
		return redisconn.Sentinel, c.Sentinel.URL()
	}
	return redisconn.Single, c.RedisURL
}

// faultRotation is the faults injected in turn every FaultEvery: with
// sentinels, a failover takes the place of restarting the single server.
func (c Config) faultRotation() []string {
	if c.Sentinel == nil {
		return rotatingFaults
	}
	out := make([]string, 0, len(rotatingFaults))
	for _, f := range rotatingFaults {
		if f == FaultRestartRedis {
			f = FaultSentinelFailover
		}
		out = append(out, f)
	}
	return out
}

// sentinelFailover injects FaultSentinelFailover and keeps the slowest
// promotion in the report.
func (r *run) sentinelFailover() error {
	took, err := r.cfg.Sentinel.Failover()
	if err != nil {
		return fmt.Errorf("sentinel failover: %w", err)
	}
	r.report.SlowestPromotion = max(r.report.SlowestPromotion, took)
	r.log.Info("chaos: sentinel promoted a replica", "after", took.String())
	return nil
}
