package chaos

import (
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/internal/redisconn"
)

// Faults of a run on a Sentinel set.
const (
	// FaultSentinelFailover SIGKILLs the Redis primary of a Sentinel set;
	// a sentinel promotes the replica and every process follows it.
	FaultSentinelFailover = "sentinel failover"
	// FaultRestartRedisSet SIGKILLs both servers of the Sentinel set and
	// starts them again empty (the whole broker restarted, as
	// FaultRestartRedis does to the single server); the sentinels go on
	// naming the same primary.
	FaultRestartRedisSet = "restart redis set"
)

// SentinelTopology is a Redis primary with a replica watched by sentinels,
// for a run with Config.Sentinel set.
type SentinelTopology interface {
	// URL is the REDIS_URL of REDIS_MODE=sentinel.
	URL() string
	// Failover kills the primary, waits for a sentinel to promote a
	// replica and brings the killed server back as a replica; it returns
	// the time from the kill to the promotion.
	Failover() (time.Duration, error)
	// Restart kills every server of the set, keeps them down for down and
	// starts them again empty, then waits for the sentinels to agree on
	// the primary again; it returns the time from the kill to that.
	Restart(down time.Duration) (time.Duration, error)
}

// redisSettings are the REDIS_MODE and REDIS_URL of the run's processes:
// the sentinels when the run has them, else the single server.
func (c Config) redisSettings() (mode, url string) {
	if c.Sentinel != nil {
		return redisconn.Sentinel, c.Sentinel.URL()
	}
	return redisconn.Single, c.RedisURL
}

// sentinelRotation is the faults a run on a Sentinel set injects in turn
// every FaultEvery: those of the single server, the restart being of the
// whole set, plus a failover. The failover comes two turns after the
// restart: the failover the sentinels attempt while the set is down (and
// abandon, having no replica) holds the next one back for twice their
// failover-timeout.
var sentinelRotation = []string{FaultFlushRedis, FaultRestartRedisSet, FaultRestartPostgres, FaultSentinelFailover}

// faultRotation is the faults injected in turn every FaultEvery.
func (c Config) faultRotation() []string {
	if c.Sentinel == nil {
		return rotatingFaults
	}
	return sentinelRotation
}

// Faults is every fault a run with this configuration injects: a run that
// lasts long enough injects each at least once.
func (c Config) Faults() []string {
	return append([]string{FaultKillWorker}, c.faultRotation()...)
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

// restartRedisSet injects FaultRestartRedisSet and keeps the slowest
// convergence in the report.
func (r *run) restartRedisSet() error {
	took, err := r.cfg.Sentinel.Restart(r.cfg.DownFor)
	if err != nil {
		return fmt.Errorf("restart the sentinel set: %w", err)
	}
	r.report.SlowestSetRestart = max(r.report.SlowestSetRestart, took)
	r.log.Info("chaos: sentinel set restarted and converged", "after", took.String())
	return nil
}
