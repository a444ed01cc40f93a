package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// The worker's METRICS_ADDR listener answers /healthz, /readyz (503 naming
// what is down) and /metrics over real HTTP.
func TestWorkerServesMetricsHealthAndReadiness(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	tasks := prometheus.NewCounter(prometheus.CounterOpts{Name: "campusbiz_test_tasks_total", Help: "Tasks."})
	reg.MustRegister(tasks)
	tasks.Add(3)
	var redisDown error
	ready := func(context.Context) app.Readiness { return app.Readiness{Redis: redisDown} }
	stop, addr, err := startListener("worker metrics", "127.0.0.1:0", observabilityMux(reg, ready), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(stop)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	status, _ := get("/healthz")
	require.Equal(t, http.StatusOK, status)
	status, body := get("/readyz")
	require.Equal(t, http.StatusOK, status, body)
	status, body = get("/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "campusbiz_test_tasks_total 3")

	redisDown = errors.New("connection refused")
	status, body = get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, status)
	var got map[string]string
	require.NoError(t, json.NewDecoder(strings.NewReader(body)).Decode(&got))
	require.Equal(t, map[string]string{"status": "unavailable", "postgres": "ok", "redis": "down: connection refused"}, got)

	status, _ = get("/debug/pprof/")
	require.Equal(t, http.StatusNotFound, status, "only the three routes")
}
