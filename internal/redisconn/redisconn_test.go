package redisconn

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestParseEachMode(t *testing.T) {
	t.Parallel()
	opt, err := Parse(Single, "redis://:pw@10.0.0.1:6380/3?dial_timeout=2s")
	require.NoError(t, err)
	single := opt.(asynq.RedisClientOpt)
	require.Equal(t, "10.0.0.1:6380", single.Addr)
	require.Equal(t, 3, single.DB)
	require.Equal(t, "pw", single.Password)
	require.Equal(t, "2s", single.DialTimeout.String())

	opt, err = Parse(Sentinel, "redis://:spw@10.0.0.1:26379/2?master_name=mymaster&addr=10.0.0.2:26379&addr=10.0.0.3:26379&password=mpw")
	require.NoError(t, err)
	failover := opt.(asynq.RedisFailoverClientOpt)
	require.Equal(t, "mymaster", failover.MasterName)
	require.Equal(t, []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}, failover.SentinelAddrs)
	require.Equal(t, "spw", failover.SentinelPassword, "the URL's password is the sentinels'")
	require.Equal(t, "mpw", failover.Password, "the password parameter is the primary's")
	require.Equal(t, 2, failover.DB)

	opt, err = Parse(Cluster, "redis://u:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000")
	require.NoError(t, err)
	cluster := opt.(ClusterOpt)
	require.Equal(t, []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, cluster.Addrs)
	require.Equal(t, "u", cluster.Username)
	require.Equal(t, DefaultClusterReload, cluster.StateReloadInterval)
	opt, err = Parse(Cluster, "redis://10.0.0.1:7000?cluster_state_reload_interval=500ms&addr=10.0.0.2:7000")
	require.NoError(t, err)
	require.Equal(t, "500ms", opt.(ClusterOpt).StateReloadInterval.String())
	require.Equal(t, []string{"10.0.0.1:7000", "10.0.0.2:7000"}, opt.(ClusterOpt).Addrs)

	conn, err := Open(Cluster, "redis://10.0.0.1:7000")
	require.NoError(t, err)
	_, ok := conn.Client.(*redis.ClusterClient)
	require.True(t, ok, "cluster mode makes a cluster client")
	require.NoError(t, conn.Client.Close())
	conn, err = Open(Sentinel, "redis://10.0.0.1:26379?master_name=m")
	require.NoError(t, err)
	_, ok = conn.Client.(*redis.Client)
	require.True(t, ok, "sentinel mode makes a failover client")
	require.NoError(t, conn.Client.Close())
}

func TestParseRefusesAndHidesPasswords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ mode, url, want string }{
		{"replicated", "redis://h:1", `REDIS_MODE: "replicated" is not one of`},
		{Sentinel, "redis://:secret@h:26379?password=secret2", "no master_name"},
		{Single, "redis://:secret@h:6379/x", "REDIS_URL:"},
		{Cluster, "redis://:secret@h:7000?password=secret2&bogus=1", "REDIS_URL:"},
		{Single, "http://h:6379", "REDIS_URL:"},
		{Cluster, "redis://:secret@h:7000?cluster_state_reload_interval=soon", "cluster_state_reload_interval: want a positive duration"},
	} {
		_, err := Parse(c.mode, c.url)
		require.Error(t, err, c.url)
		require.Contains(t, err.Error(), c.want, c.url)
		require.NotContains(t, err.Error(), "secret", "an error never quotes a password")
	}
}

// FuzzParse checks that no URL makes Parse panic or quote a password.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"redis://127.0.0.1:6379/0", "rediss://u:secret@h:6380/1",
		"redis://:secret@127.0.0.1:26379?master_name=mymaster&addr=127.0.0.1:26380&password=secret",
		"redis://127.0.0.1:7000?addr=127.0.0.1:7001", "redis://%zz", "unix:///tmp/r.sock",
	} {
		for _, m := range Modes {
			f.Add(m, s)
		}
	}
	f.Fuzz(func(t *testing.T, mode, raw string) {
		_, err := Parse(mode, raw)
		if err == nil {
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			return
		}
		secrets := []string{u.Query().Get("password"), u.Query().Get("sentinel_password")}
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		for _, p := range secrets {
			if len(p) >= 4 && strings.Contains(err.Error(), p) {
				t.Fatalf("error quotes the password %q: %v", p, err)
			}
		}
	})
}
