package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// `campusbiz health` probes the worker's listener over real HTTP: exit
// status 0 (nil) while it answers 2xx, 1 (an error) on a 503 or when
// nothing listens. Not parallel: it sets METRICS_ADDR.
func TestHealthSubcommand(t *testing.T) {
	var redisDown error
	ready := func(context.Context) app.Readiness { return app.Readiness{Redis: redisDown} }
	stop, addr, err := startListener("worker metrics", "127.0.0.1:0", observabilityMux(prometheus.NewRegistry(), ready),
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(stop)
	t.Setenv("METRICS_ADDR", addr)
	health := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"health"}, args...), &out, &errOut)
		return out.String(), err
	}
	_, err = health("-worker")
	require.NoError(t, err)
	_, err = health("-worker", "-ready")
	require.NoError(t, err)

	redisDown = errors.New("connection refused")
	_, err = health("-worker")
	require.NoError(t, err, "alive though not ready")
	_, err = health("-worker", "-ready")
	require.ErrorContains(t, err, "503")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, err = health("-url", "http://"+closed+"/healthz")
	require.Error(t, err, "nothing listens")

	t.Setenv("METRICS_ADDR", "")
	_, err = health("-worker")
	require.ErrorContains(t, err, "METRICS_ADDR")
}

func TestLocalURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/healthz",
		"[::]:9090":      "http://127.0.0.1:9090/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"[::1]:8080":     "http://[::1]:8080/healthz",
		"localhost:8080": "http://localhost:8080/healthz",
	} {
		got, err := localURL(addr, "/healthz")
		require.NoError(t, err, addr)
		require.Equal(t, want, got, addr)
	}
	for _, bad := range []string{"", "8080", "host"} {
		_, err := localURL(bad, "/healthz")
		require.Error(t, err, bad)
	}
}
