package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// site is the real app (API and pages over one application) on an
// httptest.Server, on the test's own schema and Redis DB, with the workers,
// the relay and the engine's direct dispatch running in-process, as serve
// and work run them.
type site struct {
	t      *testing.T
	url    string
	schema testenv.Schema
	keys   workflows.CertificateKeys
	// engine runs every unit of work; app is the application the API and
	// the pages share, for tests to set up state through its use cases.
	engine *engine.Engine
	app    *app.App
	// mail is the test's SMTP server, where the workers mail onboarding codes.
	mail *mailsink.Sink
}

func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteWith(t, app.Config{})
}

// newSiteWith is newSite with the application's settings cfg.
func newSiteWith(t *testing.T, cfg app.Config) *site {
	t.Helper()
	s := &site{t: t, schema: testenv.Postgres(t), mail: testenv.MailSink(t)}
	rdb := testenv.Redis(t)
	log := testenv.Logger(t)
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	s.keys, err = workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	client := asynq.NewClient(rdb.Opt)
	t.Cleanup(func() { _ = client.Close() })
	db := s.schema.DB
	s.engine = &engine.Engine{DB: db, Client: client, Tasks: workers.Registry.Options(), Log: log}
	// No session secret: fixtures.Token's bearer tokens are valid here.
	s.app = app.New(app.Deps{DB: db, Engine: s.engine, Redis: rdb.Client, Certificates: s.keys, Log: log, Config: cfg})
	e := api.New(api.Deps{App: s.app, Log: log})
	require.NoError(t, web.Mount(e, web.Deps{App: s.app, Log: log}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	s.url = srv.URL

	relay := &engine.Relay{DB: db, Client: client, Log: log, PollInterval: 100 * time.Millisecond}
	w := workers.NewServer(context.Background(), rdb.Opt, workers.ServerConfig{Concurrency: 5, ShutdownTimeout: 5 * time.Second}, log)
	mailer, err := workers.NewMailer(s.mail.URL())
	require.NoError(t, err)
	mux := workers.NewMux(workers.Deps{Engine: s.engine, Log: log,
		CertificateKeys: s.keys, PublicBaseURL: srv.URL, Mailer: mailer})
	require.NoError(t, w.Start(mux))
	shops := workers.NewShopServer(context.Background(), rdb.Opt, workers.ServerConfig{ShutdownTimeout: 5 * time.Second}, log)
	require.NoError(t, shops.Start(mux))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		shops.Shutdown()
		w.Shutdown()
	})
	return s
}

// emailCode waits for the seen+1st onboarding code mailed to addr, stored,
// and returns it.
func (s *site) emailCode(addr string, seen int) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, n, err := s.mail.WaitCode(ctx, addr, seen)
	require.NoError(s.t, err)
	testenv.WaitFor(s.t, 10*time.Second, "the code's hash to be stored", func() bool {
		return count(s.t, s, "SELECT count(*) FROM email_codes WHERE sent_at IS NOT NULL AND email = '"+addr+"'") >= n
	})
	return code
}

// delayedShop links a shop for owner through the application, with its
// ownership check an hour away: it stays pending, for an admin to decide.
func (s *site) delayedShop(owner models.Account, in app.ShopInput) models.Shop {
	s.t.Helper()
	later := app.New(app.Deps{DB: s.schema.DB, Engine: s.engine, Certificates: s.keys,
		Config: app.Config{ShopCheckDelay: time.Hour}})
	shop, err := later.SubmitShop(context.Background(), app.ActorOf(owner), in)
	require.NoError(s.t, err)
	return shop
}

// createPlace opens an internship place through the application, as an admin.
func (s *site) createPlace(company, title, city string, capacity int, skills ...string) app.Place {
	s.t.Helper()
	admin := fixtures.Account(s.t, s.schema.DB, models.RoleAdmin)
	place, err := s.app.CreatePlace(context.Background(), app.ActorOf(admin), app.PlaceInput{
		Company: company, Title: title, City: city, Capacity: &capacity, Skills: skills})
	require.NoError(s.t, err)
	return place
}
