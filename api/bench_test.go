package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/accounts"
	"github.com/campusbiz/campusbiz/internal/benchplot"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

var chartsDir = flag.String("charts", "", "write the API benchmark's PNG charts to this directory (e.g. ../docs/img)")

// The API benchmark compares POST /api/v1/onboarding of the real app
// (token check, submission limit, validation, one transaction with the
// profile, its first event and its outbox row, then the fast dispatch to
// Asynq) with a bare Echo handler that binds the same body, inserts the
// same profile and enqueues the same task with asynq.Client, on the same
// Postgres pool, Redis and machine, each behind a real loopback HTTP server.
//
// It measures the closed-loop throughput at each concurrency level, takes
// each side's best as its maximum rate, then offers half of the app's
// maximum rate open-loop (requests sent on schedule whatever the answers;
// latency counted from the scheduled time, so queueing shows) to both and
// reports the percentiles. Run it once per measurement:
//
//	go test -run '^$' -bench OnboardingAPI -benchtime 1x -count 3 ./api/ -args -charts ../docs/img
var (
	benchLevels      = []int{1, 2, 4, 8, 16, 32}
	benchLevelTime   = 3 * time.Second
	benchOpenTime    = 5 * time.Second
	benchAccountPool = 150_000
)

func BenchmarkOnboardingAPI(b *testing.B) {
	env := newBenchEnv(b)
	for range b.N {
		var appRate, bareRate []float64
		var appMax, bareMax float64
		for _, c := range benchLevels {
			a := env.closedLoop(b, env.appURL, c)
			r := env.closedLoop(b, env.bareURL, c)
			appRate, bareRate = append(appRate, a.rate), append(bareRate, r.rate)
			appMax, bareMax = max(appMax, a.rate), max(bareMax, r.rate)
			b.Logf("concurrency %2d: app %7.1f req/s p99 %6.1fms | bare %7.1f req/s p99 %6.1fms | ratio %.2f",
				c, a.rate, msf(a.lat.P99), r.rate, msf(r.lat.P99), a.rate/r.rate)
		}
		half := appMax / 2
		appOpen := env.openLoop(b, env.appURL, half)
		bareOpen := env.openLoop(b, env.bareURL, half)
		b.Logf("max: app %.1f req/s, bare %.1f req/s, ratio %.2f", appMax, bareMax, appMax/bareMax)
		b.Logf("open loop at %.1f req/s (half the app's max) for %s: app p50 %.1fms p95 %.1fms p99 %.1fms | bare p50 %.1fms p95 %.1fms p99 %.1fms",
			half, benchOpenTime, msf(appOpen.P50), msf(appOpen.P95), msf(appOpen.P99), msf(bareOpen.P50), msf(bareOpen.P95), msf(bareOpen.P99))
		b.ReportMetric(appMax, "app-max-req/s")
		b.ReportMetric(bareMax, "bare-max-req/s")
		b.ReportMetric(appMax/bareMax, "ratio")
		b.ReportMetric(msf(appOpen.P99), "app-p99-ms@half")
		b.ReportMetric(msf(bareOpen.P99), "bare-p99-ms@half")
		if *chartsDir != "" {
			env.charts(b, appRate, bareRate, half, appOpen, bareOpen)
		}
	}
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchEnv is the two servers on one schema and Redis, with a pool of
// accounts (each submits one profile) and their tokens.
type benchEnv struct {
	db              *gorm.DB
	appURL, bareURL string
	collegeID       string
	domain          string
	client          *http.Client
	tokens          []string // tokens[i] signs in account i+1
	next            atomic.Int64
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	schema, rdb := testenv.Postgres(b), testenv.Redis(b)
	db := schema.DB
	asynqClient := asynq.NewClient(rdb.Opt)
	b.Cleanup(func() { _ = asynqClient.Close() })
	// Production logs every request as JSON; so do both servers here.
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	// The real app as serve builds it: the application on an engine that
	// dispatches each commit's tasks through asynqClient, under the API.
	eng := fixtures.Engine(db, asynqClient)
	eng.Log = log
	app := api.New(api.Deps{Log: log, App: application.New(application.Deps{DB: db, Engine: eng, Redis: rdb.Client, Log: log,
		Config: application.Config{SubmitRate: 1000}})})
	college, domain := fixtures.College(b, db)
	env := &benchEnv{db: db, collegeID: college.ID, domain: domain,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
	env.appURL = serveLoopback(b, app)
	env.bareURL = serveLoopback(b, bareOnboarding(db, asynqClient, log))
	// Accounts and sessions in bulk: argon2 sign-ins are not what is measured.
	require.NoError(b, db.Exec(`INSERT INTO accounts (id, email, password_hash, name, role)
		SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'bench' || i || '@example.com', 'x', 'Bench', 'applicant'
		FROM generate_series(1, ?) i`, benchAccountPool).Error)
	accts := make([]models.Account, benchAccountPool)
	for i := range accts {
		accts[i] = models.Account{ID: fmt.Sprintf("00000000-0000-7000-8000-%012x", i+1), Role: models.RoleApplicant}
	}
	toks, err := (&accounts.Sessions{DB: db}).StartMany(context.Background(), accts, 24*time.Hour)
	require.NoError(b, err)
	env.tokens = make([]string, len(toks))
	for i, t := range toks {
		env.tokens[i] = t.Value
	}
	return env
}

func serveLoopback(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// bareOnboarding is the baseline: Echo binding the same body, one insert
// of the same profile and one Asynq enqueue of the same task. The account
// comes in a header: no token check, no validation, no transaction, no
// event, no outbox.
func bareOnboarding(db *gorm.DB, client *asynq.Client, log *slog.Logger) http.Handler {
	e := echo.New()
	e.HideBanner = true
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			log.Info("http request", "method", c.Request().Method, "status", c.Response().Status, "latency", time.Since(start))
			return err
		}
	})
	e.POST("/api/v1/onboarding", func(c echo.Context) error {
		var req application.OnboardingInput
		if err := c.Bind(&req); err != nil {
			return err
		}
		ctx := c.Request().Context()
		id := models.NewID()
		err := db.WithContext(ctx).Exec(`INSERT INTO student_profiles (id, account_id, college_id, student_number,
			full_name, enrollment_year, major, college_email, phone, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
			id, c.Request().Header.Get("X-Account"), req.CollegeID, req.StudentNumber, req.FullName, req.EnrollmentYear,
			req.Major, req.CollegeEmail, req.Phone).Error
		if err != nil {
			return err
		}
		payload, err := json.Marshal(workflows.OnboardingVerifyPayload{ProfileID: id, Revision: 1})
		if err != nil {
			return err
		}
		if _, err := client.EnqueueContext(ctx, asynq.NewTask(workflows.TypeOnboardingVerify, payload), asynq.Queue(engine.QueueCritical)); err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, map[string]string{"id": id, "status": "pending"})
	})
	return e
}

// submit posts one onboarding for the next unused account and returns its latency.
func (env *benchEnv) submit(b *testing.B, url string) time.Duration {
	i := env.next.Add(1)
	require.LessOrEqual(b, i, int64(benchAccountPool), "account pool exhausted: raise benchAccountPool")
	body, err := json.Marshal(application.OnboardingInput{CollegeID: env.collegeID, StudentNumber: fmt.Sprintf("2024%06d", i),
		FullName: "张三", EnrollmentYear: 2024, Major: "E-commerce", CollegeEmail: fmt.Sprintf("bench%d@%s", i, env.domain),
		Phone: "13812345678"})
	require.NoError(b, err)
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/onboarding", bytes.NewReader(body))
	require.NoError(b, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+env.tokens[i-1])
	req.Header.Set("X-Account", fmt.Sprintf("00000000-0000-7000-8000-%012x", i))
	start := time.Now()
	resp, err := env.client.Do(req)
	require.NoError(b, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(b, http.StatusAccepted, resp.StatusCode)
	return time.Since(start)
}

// levelResult is one closed-loop run.
type levelResult struct {
	rate float64
	lat  loadgen.Latency
}

// closedLoop runs c clients back to back for benchLevelTime.
func (env *benchEnv) closedLoop(b *testing.B, url string, c int) levelResult {
	deadline := time.Now().Add(benchLevelTime)
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				mine = append(mine, env.submit(b, url))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return levelResult{rate: float64(len(lat)) / time.Since(start).Seconds(), lat: loadgen.Percentiles(lat)}
}

// openLoop offers rate requests per second for benchOpenTime, each sent at
// its scheduled time by a free sender; latency counts from the schedule.
func (env *benchEnv) openLoop(b *testing.B, url string, rate float64) loadgen.Latency {
	n := int(rate * benchOpenTime.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	due := make(chan time.Time, n)
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for at := range due {
				time.Sleep(time.Until(at))
				env.submit(b, url)
				d := time.Since(at)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	for i := range n {
		due <- start.Add(time.Duration(i) * interval)
	}
	close(due)
	wg.Wait()
	return loadgen.Percentiles(lat)
}

func (env *benchEnv) charts(b *testing.B, appRate, bareRate []float64, half float64, appOpen, bareOpen loadgen.Latency) {
	x := make([]float64, len(benchLevels))
	for i, c := range benchLevels {
		x[i] = float64(c)
	}
	require.NoError(b, benchplot.Save(benchplot.Chart{
		Title: "POST /api/v1/onboarding: throughput", XLabel: "concurrent clients", YLabel: "requests per second", LogX: true,
		Series: []benchplot.Series{{Name: "campusbiz API", X: x, Y: appRate}, {Name: "bare Echo + insert + enqueue", X: x, Y: bareRate}},
	}, filepath.Join(*chartsDir, "api-throughput.png")))
	pct := []float64{50, 95, 99}
	require.NoError(b, benchplot.Save(benchplot.Chart{
		Title:  fmt.Sprintf("POST /api/v1/onboarding at %.0f req/s (half the API's max): latency", half),
		XLabel: "percentile", YLabel: "milliseconds",
		Series: []benchplot.Series{
			{Name: "campusbiz API", X: pct, Y: []float64{msf(appOpen.P50), msf(appOpen.P95), msf(appOpen.P99)}},
			{Name: "bare Echo + insert + enqueue", X: pct, Y: []float64{msf(bareOpen.P50), msf(bareOpen.P95), msf(bareOpen.P99)}},
		},
	}, filepath.Join(*chartsDir, "api-latency.png")))
}
