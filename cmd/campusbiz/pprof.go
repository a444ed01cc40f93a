package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofMux is net/http/pprof's handlers on their own mux: never the
// public one, and never http.DefaultServeMux.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startPprof serves pprofMux on addr (PPROF_ADDR, checked to be a loopback
// address by config) until the returned stop is called; an empty addr
// serves nothing.
func startPprof(addr string, log *slog.Logger) (stop func(), err error) {
	stop, _, err = startListener("pprof (loopback only)", addr, pprofMux(), log)
	return stop, err
}

// startListener serves h on addr until the returned stop is called, and
// says which address it bound (addr may name port 0); an empty addr serves
// nothing. name is the listener's name in the logs.
func startListener(name, addr string, h http.Handler, log *slog.Logger) (stop func(), bound string, err error) {
	if addr == "" {
		return func() {}, "", nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	// A CPU profile takes ?seconds=30 by default: no write timeout.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn(name+": stopped", "err", err)
		}
	}()
	bound = ln.Addr().String()
	log.Info(name+": listening", "addr", bound)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, bound, nil
}
