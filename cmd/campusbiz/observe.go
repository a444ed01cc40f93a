package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// observabilityMux is what the worker serves on METRICS_ADDR (it has no
// other HTTP listener): /metrics (its task and outbox metrics), /healthz
// (the process runs) and /readyz (Postgres and Redis answer; 503 naming
// what is down). The address is meant for a private network: a Prometheus
// scraper and the orchestrator's probes, no authentication.
func observabilityMux(reg *prometheus.Registry, ready func(context.Context) app.Readiness) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		res := ready(ctx)
		body := map[string]string{"status": "ok", "postgres": "ok", "redis": "ok"}
		status := http.StatusOK
		if res.Postgres != nil {
			body["postgres"], body["status"], status = "down: "+res.Postgres.Error(), "unavailable", http.StatusServiceUnavailable
		}
		if res.Redis != nil {
			body["redis"], body["status"], status = "down: "+res.Redis.Error(), "unavailable", http.StatusServiceUnavailable
		}
		writeJSON(w, status, body)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
