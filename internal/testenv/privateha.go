package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// freePort is a loopback TCP port nobody listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// needBinaries skips t, saying which, when one of the named programs is not
// installed (make services installs them all).
func needBinaries(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (make services installs it); this test needs it: %v", n, err)
		}
	}
}

// freeClusterPort is a free port for a cluster node: at most 55535, with
// the cluster bus port (10000 higher) free too, as redis-server requires.
func freeClusterPort(t testing.TB) int {
	t.Helper()
	for range 200 {
		p := freePort(t)
		if p > 55535 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		_ = l.Close()
		return p
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

// redisProc is one redis-server process of a private topology.
type redisProc struct {
	Addr string
	// dir is the server's own directory (its --dir).
	dir  string
	argv []string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// startRedisProc starts redis-server on port (0: a free loopback port) in
// its own directory under dir, with args appended (a config file must come
// first: pass it as conf), and waits until it answers PING.
func startRedisProc(t testing.TB, port int, dir, conf string, args ...string) *redisProc {
	t.Helper()
	if port == 0 {
		port = freePort(t)
	}
	portArg := strconv.Itoa(port)
	own := filepath.Join(dir, portArg)
	if err := os.MkdirAll(own, 0o755); err != nil {
		t.Fatalf("redis dir: %v", err)
	}
	var argv []string
	if conf != "" {
		path := filepath.Join(own, "redis.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatalf("redis conf: %v", err)
		}
		argv = append(argv, path)
	}
	argv = append(argv, "--port", portArg, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", own)
	p := &redisProc{Addr: "127.0.0.1:" + portArg, dir: own, argv: append(argv, args...)}
	t.Cleanup(p.Kill)
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs the server with its arguments and more, and waits until it
// answers PING.
func (p *redisProc) start(more ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command("redis-server", append(append([]string(nil), p.argv...), more...)...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	p.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: p.Addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("private redis-server on %s did not answer", p.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// Kill sends SIGKILL and waits for the process to exit.
func (p *redisProc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// removeRDB deletes the RDB files in the server's directory (the server
// must be stopped).
func (p *redisProc) removeRDB() error {
	files, err := filepath.Glob(filepath.Join(p.dir, "*.rdb"))
	if err != nil {
		return fmt.Errorf("list the RDB files of %s: %w", p.Addr, err)
	}
	for _, f := range files {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove the RDB of %s: %w", p.Addr, err)
		}
	}
	return nil
}

// WaitFor polls cond every 50ms until it holds, and fails the test,
// naming what it waited for, once timeout has passed.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SentinelSet is a private Redis primary, one replica and three sentinels
// watching them, on loopback.
type SentinelSet struct {
	t testing.TB
	// MasterName is the name the sentinels know the primary by.
	MasterName string
	mu         sync.Mutex
	servers    map[string]*redisProc // by address
	sentinels  []*redisProc
}

// StartSentinelSet starts a primary, a replica and three sentinels (quorum
// 2, down after 1s, failover-timeout 10s) and waits until the sentinels see the replica and each
// other. Everything is killed when t ends. It skips t when redis-server is
// not installed.
func StartSentinelSet(t testing.TB) *SentinelSet {
	t.Helper()
	needBinaries(t, "redis-server")
	dir := t.TempDir()
	s := &SentinelSet{t: t, MasterName: "mymaster", servers: map[string]*redisProc{}}
	// A primary waits repl-diskless-sync-delay (5s) for more replicas
	// before it sends a full sync; the set has one, so it need not wait.
	primary := startRedisProc(t, 0, dir, "", "--repl-diskless-sync-delay", "0")
	_, pport, _ := net.SplitHostPort(primary.Addr)
	replica := startRedisProc(t, 0, dir, "", "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", pport)
	s.servers[primary.Addr], s.servers[replica.Addr] = primary, replica
	conf := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 2\nsentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 10000\nsentinel parallel-syncs %[1]s 1\n", s.MasterName, pport)
	for range 3 {
		s.sentinels = append(s.sentinels, startRedisProc(t, 0, dir, conf, "--sentinel"))
	}
	ctx := context.Background()
	WaitFor(t, 30*time.Second, "the sentinels to see the replica and each other", func() bool {
		for _, sp := range s.sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: sp.Addr})
			m, err := c.Master(ctx, s.MasterName).Result()
			_ = c.Close()
			if err != nil || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return false
			}
		}
		rc := redis.NewClient(&redis.Options{Addr: replica.Addr})
		defer rc.Close()
		info, err := rc.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	return s
}

// URL is the REDIS_URL of the set for REDIS_MODE=sentinel.
func (s *SentinelSet) URL() string {
	u := "redis://" + s.sentinels[0].Addr + "/0?master_name=" + s.MasterName
	for _, sp := range s.sentinels[1:] {
		u += "&addr=" + sp.Addr
	}
	return u
}

// Primary is the address the sentinels give for the primary now.
func (s *SentinelSet) Primary() (string, error) {
	var last error
	for _, sp := range s.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sp.Addr})
		addr, err := c.GetMasterAddrByName(context.Background(), s.MasterName).Result()
		_ = c.Close()
		if err == nil && len(addr) == 2 {
			return net.JoinHostPort(addr[0], addr[1]), nil
		}
		last = err
	}
	return "", fmt.Errorf("no sentinel names the primary: %w", last)
}

// KillPrimary sends SIGKILL to the current primary and returns its address.
func (s *SentinelSet) KillPrimary() string {
	s.t.Helper()
	addr, err := s.Primary()
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	p := s.servers[addr]
	s.mu.Unlock()
	if p == nil {
		s.t.Fatalf("the primary %s is not one of the set's servers", addr)
	}
	p.Kill()
	return addr
}

// Failover SIGKILLs the primary, waits until a sentinel names another one,
// and starts the killed server again, empty, as a replica of the new
// primary, so that the set can fail over again. It returns the time from
// the kill to the promotion.
func (s *SentinelSet) Failover() (time.Duration, error) {
	addr, err := s.Primary()
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	p := s.servers[addr]
	s.mu.Unlock()
	if p == nil {
		return 0, fmt.Errorf("the primary %s is not one of the set's servers", addr)
	}
	p.Kill()
	killed := time.Now()
	var now string
	for {
		now, err = s.Primary()
		if err == nil && now != addr {
			break
		}
		if time.Since(killed) > 30*time.Second {
			return 0, fmt.Errorf("no sentinel promoted a replica within 30s of killing %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	promoted := time.Since(killed)
	host, port, _ := net.SplitHostPort(now)
	return promoted, p.start("--replicaof", host, port)
}

// Restart SIGKILLs both servers of the set, keeps them down for down, and
// starts them again empty: the one the sentinels name as primary first, as
// a primary, then the other as its replica. It then waits until the set has
// converged again (every sentinel names one primary, which answers as a
// primary with a replica whose link is up, and none of them flags it down
// or is failing it over) and returns the time from the kill to that. The
// sentinels are left running: they see the primary come back at its
// address and go on watching it. The failover they attempt while both
// servers are down finds no replica and is abandoned, but a sentinel that
// was not elected shows it in progress until its election timeout
// (min(10s, failover-timeout)), so convergence takes about that long; the
// attempt also holds the set's next failover back until twice
// failover-timeout after it started.
func (s *SentinelSet) Restart(down time.Duration) (time.Duration, error) {
	primary, err := s.Primary()
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	var p, r *redisProc
	for addr, sp := range s.servers {
		if addr == primary {
			p = sp
		} else {
			r = sp
		}
	}
	s.mu.Unlock()
	if p == nil || r == nil {
		return 0, fmt.Errorf("the primary %s is not one of the set's two servers", primary)
	}
	killed := time.Now()
	p.Kill()
	r.Kill()
	// A replica keeps the RDB of its last full sync in its directory and
	// would load it on start; a restarted broker must come back empty.
	for _, sp := range []*redisProc{p, r} {
		if err := sp.removeRDB(); err != nil {
			return 0, err
		}
	}
	time.Sleep(down)
	if err := p.start("--replicaof", "no", "one"); err != nil {
		return 0, err
	}
	host, port, _ := net.SplitHostPort(primary)
	if err := r.start("--replicaof", host, port); err != nil {
		return 0, err
	}
	deadline := killed.Add(60 * time.Second)
	for {
		err := s.converged()
		if err == nil {
			return time.Since(killed), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the sentinel set did not converge within 60s of the restart: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// converged is nil when every sentinel names the same primary, sees one
// replica and the other sentinels and flags nothing on it, the primary
// answers with role master and one connected replica, and that replica's
// link to it is up.
func (s *SentinelSet) converged() error {
	ctx := context.Background()
	var primary string
	for _, sp := range s.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sp.Addr})
		m, err := c.Master(ctx, s.MasterName).Result()
		_ = c.Close()
		if err != nil {
			return fmt.Errorf("sentinel %s: %w", sp.Addr, err)
		}
		addr := net.JoinHostPort(m["ip"], m["port"])
		if primary == "" {
			primary = addr
		} else if addr != primary {
			return fmt.Errorf("sentinels disagree on the primary: %s and %s", primary, addr)
		}
		if m["flags"] != "master" || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
			return fmt.Errorf("sentinel %s: flags %q, %s replicas, %s other sentinels",
				sp.Addr, m["flags"], m["num-slaves"], m["num-other-sentinels"])
		}
	}
	pc := redis.NewClient(&redis.Options{Addr: primary})
	defer pc.Close()
	info, err := pc.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("primary %s: %w", primary, err)
	}
	if !strings.Contains(info, "role:master") || !strings.Contains(info, "connected_slaves:1") {
		return fmt.Errorf("primary %s is not a primary with one replica yet", primary)
	}
	s.mu.Lock()
	var replica string
	for addr := range s.servers {
		if addr != primary {
			replica = addr
		}
	}
	s.mu.Unlock()
	rc := redis.NewClient(&redis.Options{Addr: replica})
	defer rc.Close()
	info, err = rc.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("replica %s: %w", replica, err)
	}
	if !strings.Contains(info, "master_link_status:up") {
		return fmt.Errorf("replica %s: link to the primary not up yet", replica)
	}
	return nil
}

// RedisCluster is a private Redis Cluster of three primaries, each with one
// replica, on loopback, with a short node timeout (1s) so that a replica
// takes over a dead primary within seconds.
type RedisCluster struct {
	t     testing.TB
	nodes map[string]*redisProc // by address
	addrs []string
}

// StartRedisCluster starts six cluster-enabled redis-servers, joins them with
// redis-cli --cluster create --cluster-replicas 1, and waits until every
// node reports the cluster ok. It skips t when redis-server or redis-cli is
// not installed.
func StartRedisCluster(t testing.TB) *RedisCluster {
	t.Helper()
	needBinaries(t, "redis-server", "redis-cli")
	dir := t.TempDir()
	c := &RedisCluster{t: t, nodes: map[string]*redisProc{}}
	for range 6 {
		p := startRedisProc(t, freeClusterPort(t), dir, "", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0")
		c.nodes[p.Addr] = p
		c.addrs = append(c.addrs, p.Addr)
	}
	args := append(append([]string{"--cluster", "create"}, c.addrs...), "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.waitOK(30 * time.Second)
	return c
}

// waitOK waits until every live node reports cluster_state:ok.
func (c *RedisCluster) waitOK(timeout time.Duration) {
	c.t.Helper()
	WaitFor(c.t, timeout, "cluster_state:ok on every node", func() bool {
		for addr, p := range c.nodes {
			p.mu.Lock()
			dead := p.cmd == nil
			p.mu.Unlock()
			if dead {
				continue
			}
			rc := redis.NewClient(&redis.Options{Addr: addr})
			info, err := rc.ClusterInfo(context.Background()).Result()
			_ = rc.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
		}
		return true
	})
}

// URL is the REDIS_URL of the cluster for REDIS_MODE=cluster.
func (c *RedisCluster) URL() string {
	u := "redis://" + c.addrs[0] + "?addr=" + c.addrs[1]
	for _, a := range c.addrs[2:] {
		u += "&addr=" + a
	}
	return u
}

// KillPrimaryOf sends SIGKILL to the primary that holds key's slot and
// returns its address.
func (c *RedisCluster) KillPrimaryOf(key string) string {
	c.t.Helper()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs})
	defer cc.Close()
	m, err := cc.MasterForKey(context.Background(), key)
	if err != nil {
		c.t.Fatalf("the primary of %s: %v", key, err)
	}
	addr := m.Options().Addr
	p := c.nodes[addr]
	if p == nil {
		c.t.Fatalf("the primary %s is not one of the cluster's nodes", addr)
	}
	p.Kill()
	return addr
}

// WaitPromoted waits until a live node names a primary other than killed
// for key's slot (a replica took over) and every live node reports the
// cluster ok.
func (c *RedisCluster) WaitPromoted(key, killed string, timeout time.Duration) {
	c.t.Helper()
	var live []string
	for _, a := range c.addrs {
		if a != killed {
			live = append(live, a)
		}
	}
	WaitFor(c.t, timeout, "a replica to take over "+killed, func() bool {
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: live})
		defer cc.Close()
		m, err := cc.MasterForKey(context.Background(), key)
		return err == nil && m.Options().Addr != killed && m.Ping(context.Background()).Err() == nil
	})
	c.waitOK(timeout)
}
