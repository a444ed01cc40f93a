package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	const scraper = "scrape-token-0123456789"
	a := newApp(t, func(d *appDeps) { d.API.Config.MetricsToken = scraper })
	r := a.do(http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	r = a.do(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "ok", r.JSON(t)["redis"])
	a.do(http.MethodGet, "/api/v1/colleges", "", nil)
	// The metrics are not public: the scraper's token or an admin.
	_, applicant := a.user(models.RoleApplicant)
	_, admin := a.user(models.RoleAdmin)
	require.Equal(t, http.StatusUnauthorized, a.do(http.MethodGet, "/metrics", "", nil).Status)
	require.Equal(t, http.StatusUnauthorized, a.do(http.MethodGet, "/metrics", scraper+"x", nil).Status)
	require.Equal(t, http.StatusForbidden, a.do(http.MethodGet, "/metrics", applicant, nil).Status)
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/metrics", admin, nil).Status)
	r = a.do(http.MethodGet, "/metrics", scraper, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), `campusbiz_http_request_duration_seconds_count{method="GET",route="/api/v1/colleges",status="200"} 1`)
	r = a.do(http.MethodGet, "/no/such/route", "", nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	require.Equal(t, "not_found", r.Error(t)["code"])
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
	require.NotEmpty(t, r.Header.Get("X-Request-Id"))
}

// TestRedisDownKeepsPostgresRoutesWorking stops a private Redis: /readyz
// names Redis, and requests that need only Postgres keep working, including
// a submission, whose task waits in the outbox.
func TestRedisDownKeepsPostgresRoutesWorking(t *testing.T) {
	t.Parallel()
	priv := testenv.StartPrivateRedis(t)
	rc := redis.NewClient(&redis.Options{Addr: priv.Addr})
	t.Cleanup(func() { _ = rc.Close() })
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: priv.Addr})
	t.Cleanup(func() { _ = client.Close() })
	a := newApp(t, func(d *appDeps) {
		d.App.Redis = rc
		d.App.Inspector = nil
		d.App.Engine.Client = client
	})
	priv.Stop()

	r := a.do(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Status)
	e := r.Error(t)
	require.Equal(t, "unavailable", e["code"])
	require.Equal(t, "Not ready: redis not answering.", e["message"])
	require.Equal(t, map[string]any{"code": msg.ErrorNotReady, "params": map[string]any{"services": []any{"redis"}}}, e["reason"])
	require.Equal(t, "ok", r.JSON(t)["postgres"])

	r = a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{"email": "x@example.com", "password": "a-long-password", "name": "X"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r = a.do(http.MethodGet, "/api/v1/colleges", "", nil)
	require.Equal(t, http.StatusOK, r.Status)

	form, _ := onboardingBody(t, a)
	_, token := a.user(models.RoleApplicant)
	r = a.do(http.MethodPost, "/api/v1/onboarding", token, form)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, 1, a.count(`SELECT count(*) FROM outbox WHERE dispatched_at IS NULL`), "the task waits in the outbox for Redis")
}

func TestMonitoringIsAdminOnly(t *testing.T) {
	t.Parallel()
	rdb := testenv.Redis(t)
	mon := asynqmon.New(asynqmon.Options{RootPath: "/monitoring", RedisConnOpt: rdb.Opt})
	t.Cleanup(func() { _ = mon.Close() })
	a := newApp(t, func(d *appDeps) { d.API.Monitoring = mon })
	_, applicant := a.user(models.RoleApplicant)
	admin, _ := a.user(models.RoleAdmin)

	r := a.do(http.MethodGet, "/monitoring/", "", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = a.do(http.MethodGet, "/monitoring/", applicant, nil)
	require.Equal(t, http.StatusForbidden, r.Status)

	// A browser signs in, then loads the page with the session cookie only.
	login := a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": admin.Email, "password": "correct-horse-battery"})
	require.Equal(t, http.StatusOK, login.Status, string(login.Body))
	cookies := (&http.Response{Header: login.Header}).Cookies()
	require.NotEmpty(t, cookies)
	for _, path := range []string{"/monitoring", "/monitoring/", "/monitoring/api/queues"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookies[0])
		rec := httptest.NewRecorder()
		a.e.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, "%s: %s", path, rec.Body.String())
		if path == "/monitoring/api/queues" {
			require.Contains(t, rec.Body.String(), "queues")
		} else {
			require.Contains(t, rec.Body.String(), "<html")
		}
	}
	// Asynqmon's writes (pausing a queue, deleting tasks) are refused when
	// the browser says they come from another site, or says nothing.
	write := func(path string, headers map[string]string) int {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.AddCookie(cookies[0])
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		a.e.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"},
		{"Origin": "null"}, {},
	} {
		require.Equal(t, http.StatusForbidden, write("/monitoring/api/queues/default:pause", h), "%v", h)
	}
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://example.com"}} {
		require.NotEqual(t, http.StatusForbidden, write("/monitoring/api/queues/default:resume", h), "%v", h)
	}
	// The JSON API itself never accepts the cookie.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.AddCookie(cookies[0])
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}

// A client's X-Request-Id is echoed and logged only when it is a plain
// token of at most 64 characters; anything else is replaced.
func TestRequestIDIsAPlainToken(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for id, kept := range map[string]bool{
		"req-123_abc.def:9": true, strings.Repeat("a", 64): true,
		strings.Repeat("a", 65): false, "a b": false, "x\r\nlevel=ERROR": false, "<script>": false, "é": false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("X-Request-Id", id)
		rec := httptest.NewRecorder()
		a.e.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if kept {
			require.Equal(t, id, got)
		} else {
			require.NotEqual(t, id, got)
			require.Regexp(t, `^[A-Z2-7]{26}$`, got)
		}
	}
}
