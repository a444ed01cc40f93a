package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// site is the real app (API and pages) on an httptest.Server, on the
// test's own schema and Redis DB, with the workers running in-process.
type site struct {
	t      *testing.T
	url    string
	schema testenv.Schema
	keys   workflows.CertificateKeys
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{t: t, schema: testenv.Postgres(t)}
	rdb := testenv.Redis(t)
	log := testenv.Logger(t)
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	s.keys, err = workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	client := asynq.NewClient(rdb.Opt)
	t.Cleanup(func() { _ = client.Close() })
	relay := &workflows.Relay{DB: s.schema.DB, Client: client, Log: log, PollInterval: 100 * time.Millisecond}
	deps := api.Deps{DB: s.schema.DB, Redis: rdb.Client, Relay: relay, Log: log,
		Certificates: api.CertificateConfig{Keys: s.keys}}
	deps.Limits = api.NewLimits(deps) // as serve does
	e := api.New(deps)
	require.NoError(t, web.Mount(e, deps, web.Config{}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	s.url = srv.URL

	w := workers.NewServer(context.Background(), rdb.Opt, workers.ServerConfig{Concurrency: 5, ShutdownTimeout: 5 * time.Second}, log)
	require.NoError(t, w.Start(workers.NewMux(workers.Deps{DB: s.schema.DB, Log: log, Relay: relay,
		CertificateKeys: s.keys, PublicBaseURL: srv.URL})))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		w.Shutdown()
	})
	return s
}

// eventually polls cond until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
