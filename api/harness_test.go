package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
)

// app is the real Echo app (api.New over app.New, as serve builds them) on
// a test's own schema and Redis DB.
type app struct {
	t      *testing.T
	e      *echo.Echo
	schema testenv.Schema
	redis  testenv.RedisDB
	client *asynq.Client
	// app is the application the API adapts; engine runs its units of work
	// (and the workers', as in one campusbiz process).
	app    *application.App
	engine *engine.Engine
	// mail is the test's SMTP server: the workers mail onboarding codes
	// (and, with Email on, notifications) to it.
	mail *mailsink.Sink
}

// appDeps are what newApp builds the application and the API from; an
// appOption adjusts them before they are built.
type appDeps struct {
	// App are the application's collaborators and settings; App.Engine is
	// an engine on the schema with every task type, dispatching through a
	// real asynq.Client after each commit.
	App application.Deps
	// API are the HTTP adapter's; API.App is set from App.
	API api.Deps
}

type appOption func(*appDeps)

func newApp(t *testing.T, opts ...appOption) *app {
	t.Helper()
	a := &app{t: t, schema: testenv.Postgres(t), redis: testenv.Redis(t), mail: testenv.MailSink(t)}
	a.client = asynq.NewClient(a.redis.Opt)
	inspector := asynq.NewInspector(a.redis.Opt)
	t.Cleanup(func() {
		_ = a.client.Close()
		_ = inspector.Close()
	})
	log := testenv.Logger(t)
	eng := fixtures.Engine(a.schema.DB, a.client)
	eng.Log = log
	d := appDeps{
		App: application.Deps{DB: a.schema.DB, Engine: eng, Redis: a.redis.Client, Inspector: inspector, Log: log},
		API: api.Deps{Log: log},
	}
	for _, o := range opts {
		o(&d)
	}
	a.engine = d.App.Engine
	a.app = application.New(d.App)
	d.API.App = a.app
	a.e = api.New(d.API)
	return a
}

// startWorkers processes the app's tasks in-process, with the app's engine
// (an asynq.Client dispatching after each commit), until the test ends or
// the returned stop is called; a relay sweeps what direct dispatch left.
// opts adjust the workers' dependencies (the Asynq server and the relay log
// to the Log they leave).
func (a *app) startWorkers(opts ...func(*workers.Deps)) (stop func()) {
	a.t.Helper()
	mailer, err := workers.NewMailer(a.mail.URL())
	require.NoError(a.t, err)
	deps := workers.Deps{Engine: a.engine, Log: testenv.Logger(a.t), Mailer: mailer}
	for _, o := range opts {
		o(&deps)
	}
	srv := workers.NewServer(context.Background(), a.redis.Opt, workers.ServerConfig{Concurrency: 5, ShutdownTimeout: 5 * time.Second}, deps.Log)
	mux := workers.NewMux(deps)
	require.NoError(a.t, srv.Start(mux))
	shops := workers.NewShopServer(context.Background(), a.redis.Opt, workers.ServerConfig{ShutdownTimeout: 5 * time.Second}, deps.Log)
	require.NoError(a.t, shops.Start(mux))
	ctx, cancel := context.WithCancel(context.Background())
	relay := &engine.Relay{DB: a.schema.DB, Client: a.client, Log: deps.Log, PollInterval: 100 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		<-done
		shops.Shutdown()
		srv.Shutdown()
	})
	a.t.Cleanup(stop)
	return stop
}

// emailCode waits for the seen+1st code mailed to addr and returns it with
// the count of codes mailed there (seen for the next call).
func (a *app) emailCode(addr string, seen int) (string, int) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, n, err := a.mail.WaitCode(ctx, addr, seen)
	require.NoError(a.t, err)
	// The mail goes out just before its code's hash commits.
	testenv.WaitFor(a.t, 10*time.Second, "the code's hash to be stored", func() bool {
		var stored int
		require.NoError(a.t, a.schema.DB.Raw(`SELECT count(*) FROM email_codes WHERE email = ? AND sent_at IS NOT NULL`,
			addr).Row().Scan(&stored))
		return stored >= n
	})
	return code, n
}

// confirmOnboarding waits until the profile id passed the automatic checks
// (awaiting_email), reads the code mailed to its college address and
// confirms it, as its owner would; it returns the verified profile.
func (a *app) confirmOnboarding(id, token string) map[string]any {
	a.t.Helper()
	prof := a.waitStatus("/api/v1/onboarding/"+id, token, "awaiting_email")
	// The codes mailed there before this profile's newest (a dispute's).
	var seen int
	require.NoError(a.t, a.schema.DB.Raw(`SELECT count(*) FROM email_codes WHERE email = ? AND sent_at IS NOT NULL
		AND id <> (SELECT id FROM email_codes WHERE profile_id = ? ORDER BY created_at DESC, id LIMIT 1)`,
		prof["college_email"], id).Row().Scan(&seen))
	code, _ := a.emailCode(prof["college_email"].(string), seen)
	r := a.do(http.MethodPost, "/api/v1/onboarding/"+id+"/email-code", token, map[string]any{"code": code})
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	prof = r.JSON(a.t)
	require.Equal(a.t, "verified", prof["status"])
	return prof
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Error returns the API.md error object of an error answer.
func (r response) Error(t *testing.T) map[string]any {
	t.Helper()
	m := r.JSON(t)
	e, ok := m["error"].(map[string]any)
	require.True(t, ok, "error body expected, got %s", r.Body)
	require.NotEmpty(t, e["code"])
	require.NotEmpty(t, e["message"])
	reason, ok := e["reason"].(map[string]any)
	require.True(t, ok && reason["code"] != "", "the message's code: %s", r.Body)
	fields, _ := e["fields"].(map[string]any)
	coded, _ := e["field_reasons"].(map[string]any)
	require.Equal(t, len(fields), len(coded), "every field message has its code: %s", r.Body)
	for f := range fields {
		require.NotEmpty(t, coded[f].(map[string]any)["code"], "field %s", f)
	}
	return e
}

// Reason is the code of an error answer's message.
func (r response) Reason(t *testing.T) string {
	t.Helper()
	return r.Error(t)["reason"].(map[string]any)["code"].(string)
}

// FieldReason is the code and params of a field's message in an error answer.
func (r response) FieldReason(t *testing.T, field string) map[string]any {
	t.Helper()
	coded, _ := r.Error(t)["field_reasons"].(map[string]any)
	m, ok := coded[field].(map[string]any)
	require.True(t, ok, "no message for %s: %s", field, r.Body)
	return m
}

// do sends a request; body may be nil, a string (sent raw) or a value
// marshalled to JSON.
func (a *app) do(method, path, token string, body any) response {
	a.t.Helper()
	return a.doLang("", method, path, token, body)
}

// doPatiently is do for tests that run many sign-ins beside the other
// tests of the package: a 503 with Retry-After, the password-hashing gate
// shedding load on a busy machine (accounts.HashWait), is sent again after
// the wait it asks for, as a client would, up to five times. Tests that use
// it never take Postgres or Redis away, so no other 503 is expected.
func (a *app) doPatiently(method, path, token string, body any) response {
	a.t.Helper()
	for range 5 {
		r := a.do(method, path, token, body)
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Status != http.StatusServiceUnavailable || err != nil {
			return r
		}
		a.t.Logf("%s %s: 503, trying again in %d s: %s", method, path, retry, r.Body)
		time.Sleep(time.Duration(retry) * time.Second)
	}
	return a.do(method, path, token, body)
}

// doLang is do with an Accept-Language header (none when empty).
func (a *app) doLang(acceptLanguage, method, path, token string, body any) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(a.t, err)
		rd = bytes.NewReader(raw)
	}
	var sent []byte
	if rd != nil {
		sent, _ = io.ReadAll(rd)
		rd = bytes.NewReader(sent)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	checkContract(a.t, req.Clone(context.Background()), sent, rec)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// user creates an account with role and returns it with a token.
func (a *app) user(role string) (models.Account, string) {
	a.t.Helper()
	acct := fixtures.Account(a.t, a.schema.DB, role)
	return acct, fixtures.Token(a.t, a.schema.DB, acct)
}

// count runs a counting query on the app's schema.
func (a *app) count(query string, args ...any) int {
	a.t.Helper()
	var n int
	require.NoError(a.t, a.schema.DB.Raw(query, args...).Row().Scan(&n))
	return n
}
