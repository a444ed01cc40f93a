package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/internal/config"
)

// healthFlags defines health's flags: which process to probe (the API on
// HTTP_ADDR, or the worker on METRICS_ADDR), liveness or readiness, and an
// explicit URL that overrides both.
func healthFlags(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	worker := fs.Bool("worker", false, "probe the worker's METRICS_ADDR instead of the API's HTTP_ADDR")
	ready := fs.Bool("ready", false, "ask /readyz (Postgres and Redis answer) instead of /healthz (the process runs)")
	rawURL := fs.String("url", "", "probe this URL instead (overrides -worker and -ready)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	return func(ctx context.Context, cfg config.Config, _ *slog.Logger) error {
		target := *rawURL
		if target == "" {
			addr, name := cfg.HTTPAddr, "HTTP_ADDR"
			if *worker {
				addr, name = cfg.MetricsAddr, "METRICS_ADDR"
			}
			path := "/healthz"
			if *ready {
				path = "/readyz"
			}
			u, err := localURL(addr, path)
			if err != nil {
				return fmt.Errorf("health: %s: %w", name, err)
			}
			target = u
		}
		return probe(ctx, target, *timeout, os.Stdout)
	}
}

// localURL is the loopback URL of path on a listen address (":8080",
// "0.0.0.0:9090", "[::]:9090", "10.0.0.5:8080").
func localURL(addr, path string) (string, error) {
	if addr == "" {
		return "", errors.New("not set, so there is nothing to probe")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

// probe GETs target and succeeds on a 2xx answer within timeout; it prints
// the status and the body's first line to out.
func probe(ctx context.Context, target string, timeout time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	fmt.Fprintf(out, "%s %s %s\n", target, resp.Status, line)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("health: %s answered %s", target, resp.Status)
	}
	return nil
}
