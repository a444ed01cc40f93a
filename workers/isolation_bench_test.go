package workers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/stretchr/testify/require"
)

// BenchmarkSlowShopPages is issue 17's benchmark (b): onboarding's p99
// time to decision with no shop check running (idle), then with 20 shop
// checks queued whose pages answer after 4 s, in one call on one worker:
// the main pool (benchConcurrency) and the shops queue's own server
// (SHOP_CONCURRENCY's default, 4), fair dispatch on. Target: loaded at most
// twice idle.
//
//	go test -run '^$' -bench SlowShopPages -benchtime 1x ./workers/
func BenchmarkSlowShopPages(b *testing.B) {
	for range b.N {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(4 * time.Second):
			case <-r.Context().Done():
			}
			fmt.Fprint(w, "<html>no code here</html>")
		}))
		s := newFairSetup(b, true)
		s.start(b)
		allow, err := shopcheck.ParseAllowlist("127.0.0.1")
		require.NoError(b, err)
		log := silentLogger()
		mux := workers.NewMux(workers.Deps{Engine: s.eng, Log: log,
			ShopFetcher: shopcheck.New(shopcheck.Config{Timeout: 10 * time.Second, Allow: allow})})
		shops := workers.NewShopServer(context.Background(), s.e.redis.Opt, workers.ServerConfig{}, log)
		require.NoError(b, shops.Start(mux))

		idle := s.submitCollege(b, 100)
		s.waitCollege(b, idle)
		idleP99 := s.decisionP99(b, idle)

		for i := range 20 {
			owner, _ := fixtures.VerifiedStudent(b, s.e.schema.DB, "慢店主")
			_, err := s.app.SubmitShop(context.Background(), app.ActorOf(owner), app.ShopInput{
				PlatformShopID: fmt.Sprintf("slow-%d", i), ShopURL: fmt.Sprintf("%s/shop/%d", slow.URL, i),
				ShopName: "慢店", Category: "tea"})
			require.NoError(b, err)
		}
		testenv.WaitFor(b, time.Minute, "the shop checks running", func() bool {
			info, err := s.e.inspector.GetQueueInfo(engine.QueueShops)
			return err == nil && info.Active > 0
		})
		loaded := s.submitCollege(b, 100)
		s.waitCollege(b, loaded)
		loadedP99 := s.decisionP99(b, loaded)
		info, err := s.e.inspector.GetQueueInfo(engine.QueueShops)
		require.NoError(b, err)
		b.Logf("onboarding p99: idle %v, with 20 slow shop pages queued %v (shops queue then: %d active, %d pending)",
			idleP99, loadedP99, info.Active, info.Pending)
		b.ReportMetric(idleP99.Seconds(), "idle-p99-s")
		b.ReportMetric(loadedP99.Seconds(), "slow-shops-p99-s")
		b.ReportMetric(loadedP99.Seconds()/idleP99.Seconds(), "slow/idle")
		shops.Shutdown()
		slow.Close()
		s.srv.Shutdown()
		s.e.release()
	}
}

// BenchmarkRecoverLostTasks is issue 17's benchmark (c): n tasks
// dispatched a minute ago that Redis no longer holds (a Redis restarted
// empty), found and dispatched again by one reconciler sweep (one pipeline
// of look-ups per page of 5,000, 16 enqueues at a time, one update per
// page). It reports the sweep's time from detection (its start) to every
// task back in Redis.
//
//	go test -run '^$' -bench RecoverLostTasks -benchtime 1x ./workers/
func BenchmarkRecoverLostTasks(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				e := newBackend(b)
				require.NoError(b, e.schema.DB.Exec(`INSERT INTO outbox (id, task_type, payload, queue, max_retry,
					timeout_seconds, process_at, dispatched_at, dispatch_count, fair_key)
					SELECT gen_random_uuid(), 'onboarding:verify', jsonb_build_object('profile_id', gen_random_uuid(), 'revision', 1),
						'critical', 10, 30, now() - interval '1 minute', now() - interval '1 minute', 1, 'college-' || (i % 50)
					FROM generate_series(1, ?) i`, n).Error)
				rec := &engine.Reconciler{DB: e.schema.DB, Client: e.client, Inspector: e.inspector, Redis: e.redis.Client,
					Log: silentLogger(), Grace: 20 * time.Second}
				b.ResetTimer()
				start := time.Now()
				rep, err := rec.Sweep(context.Background())
				elapsed := time.Since(start)
				b.StopTimer()
				require.NoError(b, err)
				require.Equal(b, n, rep.Redispatched)
				info, err := e.inspector.GetQueueInfo(engine.QueueCritical)
				require.NoError(b, err)
				require.Equal(b, n, info.Pending, "every lost task back in Redis")
				b.ReportMetric(elapsed.Seconds(), "recover-s")
				b.ReportMetric(float64(n)/elapsed.Seconds(), "tasks/s")
				e.release()
			}
		})
	}
}
