// Package redisconn turns REDIS_MODE and REDIS_URL into connections on one
// Redis topology (a single server, a Sentinel-watched primary, or a
// cluster), so that Asynq, the rate limits, readiness, Asynqmon and the
// reconciler all follow the same primary through a failover.
package redisconn

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// The modes REDIS_MODE accepts.
const (
	// Single is one Redis server: REDIS_URL as go-redis's ParseURL reads it
	// (redis://[user:pass@]host:port/db).
	Single = "single"
	// Sentinel is a primary found through Redis Sentinel: REDIS_URL as
	// ParseFailoverURL reads it, the sentinels' addresses in the host and
	// addr parameters and the primary's name in master_name
	// (redis://127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380).
	// The URL's user and password are the sentinels'; the primary's go in
	// the username and password parameters.
	Sentinel = "sentinel"
	// Cluster is a Redis Cluster: REDIS_URL as ParseClusterURL reads it, the
	// seed nodes in the host and addr parameters
	// (redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002).
	// A cluster has only DB 0. One parameter is campusbiz's own:
	// cluster_state_reload_interval (default DefaultClusterReload).
	Cluster = "cluster"
)

// DefaultClusterReload is how often a cluster client reloads the slot map
// when the URL does not say. go-redis reloads it at once on a MOVED reply,
// but a primary that died answers nothing: with go-redis's default (60s)
// the client kept dialling the dead node for a minute after its replica had
// taken over (internal/hatest measured it); every 2s it does so for 2s.
const DefaultClusterReload = 2 * time.Second

const clusterReloadParam = "cluster_state_reload_interval"

// Modes lists the accepted REDIS_MODE values.
var Modes = []string{Single, Sentinel, Cluster}

// Parse reads rawURL for mode into the Asynq connection option of that
// topology. Errors quote the URL without its passwords.
func Parse(mode, rawURL string) (asynq.RedisConnOpt, error) {
	switch mode {
	case Single, "":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, parseError(mode, rawURL, err)
		}
		return asynq.RedisClientOpt{
			Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig,
		}, nil
	case Sentinel:
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, parseError(mode, rawURL, err)
		}
		if o.MasterName == "" {
			return nil, parseError(mode, rawURL, fmt.Errorf("no master_name parameter"))
		}
		return asynq.RedisFailoverClientOpt{
			MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs,
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword,
			Username: o.Username, Password: o.Password, DB: o.DB,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig,
		}, nil
	case Cluster:
		rest, reload, err := cutClusterReload(rawURL)
		if err != nil {
			return nil, parseError(mode, rawURL, err)
		}
		o, err := redis.ParseClusterURL(rest)
		if err != nil {
			return nil, parseError(mode, rawURL, err)
		}
		return ClusterOpt{RedisClusterClientOpt: asynq.RedisClusterClientOpt{
			Addrs: o.Addrs, MaxRedirects: o.MaxRedirects, Username: o.Username, Password: o.Password,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			TLSConfig: o.TLSConfig,
		}, StateReloadInterval: reload}, nil
	default:
		return nil, fmt.Errorf("REDIS_MODE: %q is not one of single, sentinel, cluster", mode)
	}
}

// ClusterOpt is Asynq's cluster option with the slot map's reload interval,
// which Asynq's own option leaves at go-redis's default.
type ClusterOpt struct {
	asynq.RedisClusterClientOpt
	// StateReloadInterval is how often the client reloads the slot map.
	StateReloadInterval time.Duration
}

// MakeRedisClient makes a *redis.ClusterClient (Asynq's interface).
func (o ClusterOpt) MakeRedisClient() interface{} {
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: o.Addrs, MaxRedirects: o.MaxRedirects, Username: o.Username, Password: o.Password,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		TLSConfig: o.TLSConfig, ClusterStateReloadInterval: o.StateReloadInterval,
	})
}

// cutClusterReload takes cluster_state_reload_interval out of rawURL (go-redis
// refuses parameters it does not know) and returns it, or the default.
func cutClusterReload(rawURL string) (string, time.Duration, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", 0, fmt.Errorf("parse: %w", err)
	}
	q := u.Query()
	if !q.Has(clusterReloadParam) {
		return rawURL, DefaultClusterReload, nil
	}
	d, err := time.ParseDuration(q.Get(clusterReloadParam))
	if err != nil || d <= 0 {
		return "", 0, fmt.Errorf("%s: want a positive duration such as 2s", clusterReloadParam)
	}
	q.Del(clusterReloadParam)
	u.RawQuery = q.Encode()
	return u.String(), d, nil
}

// parseError names REDIS_URL without its passwords. url.Parse's errors
// quote the whole URL, so only their cause is kept.
func parseError(mode, rawURL string, err error) error {
	if mode == "" {
		mode = Single
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("REDIS_URL: %q is not a %s URL: %w", redact(rawURL), mode, err)
}

// redact is rawURL reduced to its scheme and hosts, enough to recognise it:
// its user part and parameters may hold passwords.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "(unparsable)"
	}
	return u.Scheme + "://" + u.Host
}

// Conn is one process's connections to the Redis topology.
type Conn struct {
	// Opt makes Asynq clients, servers and Asynqmon on the topology.
	Opt asynq.RedisConnOpt
	// Client is a go-redis client on the same topology, shared by the
	// Asynq client and inspector, the rate limits and readiness.
	Client redis.UniversalClient
}

// Open parses mode and rawURL and makes the shared client. It does not dial:
// the first command does. Close the Client when done.
func Open(mode, rawURL string) (Conn, error) {
	opt, err := Parse(mode, rawURL)
	if err != nil {
		return Conn{}, err
	}
	return FromOpt(opt), nil
}

// FromOpt makes the shared client of opt.
func FromOpt(opt asynq.RedisConnOpt) Conn {
	// Every asynq.RedisConnOpt makes a go-redis v9 client (*redis.Client
	// or *redis.ClusterClient), which is a UniversalClient.
	return Conn{Opt: opt, Client: opt.MakeRedisClient().(redis.UniversalClient)}
}
