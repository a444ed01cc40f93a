package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/deploy/grafana"
	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

// Every series the Grafana dashboard reads is one the processes export:
// serve and worker run here as they run in production (a match schedule
// of one second gives the worker work), both /metrics are scraped, and each
// metric name of each dashboard query must be among the series they
// served. Not parallel: it sets the environment the processes read.
func TestDashboardReadsExportedMetrics(t *testing.T) {
	schema, rdb := testenv.Postgres(t), testenv.Redis(t)
	httpAddr, metricsAddr := freeAddr(t), freeAddr(t)
	for k, v := range map[string]string{
		"DATABASE_URL": schema.DSN, "REDIS_URL": rdb.URL, "HTTP_ADDR": httpAddr, "METRICS_ADDR": metricsAddr,
		"PUBLIC_BASE_URL": "http://" + httpAddr, "METRICS_TOKEN": "dashboard-test-token-0123456789",
		"MATCH_SCHEDULE": "@every 1s", "RECONCILE_INTERVAL": "200ms", "LOG_LEVEL": "error",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.Load()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- runServe(ctx, cfg, testenv.Logger(t)) }()
	go func() { done <- runWorker(ctx, cfg, testenv.Logger(t)) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			<-done
		}
	})

	scrape := func(url, token string) map[string]bool {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		names := map[string]bool{}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, _, _ := strings.Cut(line, "{")
			name, _, _ = strings.Cut(name, " ")
			names[name] = true
		}
		return names
	}
	queries, err := grafana.Queries()
	require.NoError(t, err)
	var missing []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		// One API request so that its histogram has a series.
		if resp, err := http.Get("http://" + httpAddr + "/healthz"); err == nil {
			_ = resp.Body.Close()
		}
		exported := map[string]bool{}
		for _, names := range []map[string]bool{scrape("http://"+httpAddr+"/metrics", cfg.MetricsToken),
			scrape("http://"+metricsAddr+"/metrics", "")} {
			maps.Copy(exported, names)
		}
		missing = missing[:0]
		for _, q := range queries {
			for _, name := range grafana.MetricNames(q.Expr) {
				if !exported[name] {
					missing = append(missing, fmt.Sprintf("%s (panel %q)", name, q.Panel))
				}
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.Empty(t, missing, "the dashboard reads series no process exports")
}

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
