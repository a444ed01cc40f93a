package hatest

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// backend is campusbiz's worker side on one Redis topology and one database,
// as `campusbiz worker` builds it: an Asynq server running every task type,
// the relay and a reconciler (with a short grace, so that tasks Redis lost
// are found within seconds), and the application on an engine that
// dispatches after each commit.
type backend struct {
	t    testing.TB
	db   *gorm.DB
	conn redisconn.Conn
	app  *app.App
}

func startBackend(t testing.TB, db *gorm.DB, conn redisconn.Conn) *backend {
	t.Helper()
	log := testenv.Logger(t)
	client := asynq.NewClientFromRedisClient(conn.Client)
	inspector := asynq.NewInspectorFromRedisClient(conn.Client)
	eng := &engine.Engine{DB: db, Client: client, Tasks: workers.Registry.Options(), Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	// The college e-mail codes go to a real SMTP listener of the test's.
	sink, err := mailsink.Start("127.0.0.1:0", 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sink.Close() })
	mailer, err := workers.NewMailer(sink.URL())
	require.NoError(t, err)
	srv := workers.NewServer(ctx, conn.Opt, workers.ServerConfig{Concurrency: 10, ShutdownTimeout: 5 * time.Second}, log)
	require.NoError(t, srv.Start(workers.NewMux(workers.Deps{Engine: eng, Log: log, Mailer: mailer})))
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{
		(&engine.Relay{DB: db, Client: client, Log: log, PollInterval: 200 * time.Millisecond}).Run,
		(&engine.Reconciler{DB: db, Client: client, Inspector: inspector, Redis: conn.Client, Log: log,
			Grace: 3 * time.Second, Interval: 500 * time.Millisecond}).Run,
	} {
		wg.Go(func() { _ = run(ctx) })
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		srv.Shutdown()
		_ = conn.Client.Close()
	})
	return &backend{t: t, db: db, conn: conn,
		app: app.New(app.Deps{DB: db, Engine: eng, Redis: conn.Client, Inspector: inspector, Log: log})}
}

// load submits onboardings for accts one after another, each as soon as
// the last returned, until every account submitted or stop is closed. A
// submission that fails (the database is down) is tried again for the same
// account. It returns the profiles the application said it saved.
type load struct {
	mu       sync.Mutex
	accepted []string
	failed   atomic.Int64
	// refused are the errors that were not "try later" (503): the form
	// was refused, or the failure is one the API reports as a 500.
	refused []error
	done    chan struct{}
}

func (b *backend) startLoad(accts []models.Account, college models.College, domain string, every time.Duration) *load {
	l := &load{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for _, a := range accts {
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				prof, err := b.app.SubmitOnboarding(ctx, app.ActorOf(a), fixtures.OnboardingForm(college, domain))
				cancel()
				if err == nil {
					l.mu.Lock()
					l.accepted = append(l.accepted, prof.ID)
					l.mu.Unlock()
					break
				}
				l.failed.Add(1)
				// The form was committed if the failure came after the
				// commit; a second try then answers "already submitted"
				// (a 4xx), which ends this account's loop too.
				if !retryable(err) {
					l.mu.Lock()
					l.refused = append(l.refused, err)
					l.mu.Unlock()
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(every)
		}
	}()
	return l
}

// retryable is whether a failed submission should be tried again: yes when
// the database or Redis failed, no when the application refused the form.
func retryable(err error) bool {
	return app.ProblemOf(err).Status == http.StatusServiceUnavailable
}

func (l *load) wait(t testing.TB, timeout time.Duration) []string {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(timeout):
		t.Fatalf("the load did not finish in %v", timeout)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.accepted...)
}

// count answers a count query on the backend's database.
func (b *backend) count(query string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.db.Raw(query, args...).Row().Scan(&n))
	return n
}

// requireEveryWorkflowOnce waits until every onboarding that exists reached
// a final state and checks the invariants: every accepted submission exists
// (none lost), each has exactly one final event and one notification (none
// duplicated), and the outbox is empty. It returns how long the drain took.
func (b *backend) requireEveryWorkflowOnce(accepted []string, timeout time.Duration) time.Duration {
	b.t.Helper()
	start := time.Now()
	testenv.WaitFor(b.t, timeout, "every onboarding to finish and the outbox to empty", func() bool {
		done := b.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0 &&
			b.count(`SELECT count(*) FROM outbox`) == 0
		if !done && time.Since(start) > timeout-time.Second {
			var left []struct {
				TaskType   string
				Dispatched bool
				Failed     bool
				N          int
			}
			b.db.Raw(`SELECT task_type, dispatched_at IS NOT NULL AS dispatched, failed_at IS NOT NULL AS failed, count(*) AS n
				FROM outbox GROUP BY 1, 2, 3`).Scan(&left)
			b.t.Logf("still in the outbox: %+v", left)
		}
		return done
	})
	drained := time.Since(start)
	profiles := b.count(`SELECT count(*) FROM student_profiles`)
	require.GreaterOrEqual(b.t, profiles, len(accepted))
	for _, id := range accepted {
		require.Equal(b.t, 1, b.count(`SELECT count(*) FROM student_profiles WHERE id = ?`, id), "accepted profile %s lost", id)
	}
	require.Zero(b.t, b.count(`SELECT count(*) FROM (SELECT entity_id FROM workflow_events
		WHERE entity_type = 'onboarding' AND to_state IN ('awaiting_email', 'rejected', 'needs_info')
		GROUP BY entity_id HAVING count(*) <> 1) x`), "every onboarding has exactly one decision")
	require.Equal(b.t, profiles, b.count(`SELECT count(DISTINCT entity_id) FROM workflow_events
		WHERE entity_type = 'onboarding' AND to_state IN ('awaiting_email', 'rejected', 'needs_info')`))
	testenv.WaitFor(b.t, timeout, "one notification per onboarding", func() bool {
		return b.count(`SELECT count(*) FROM notifications`) >= profiles
	})
	require.Equal(b.t, profiles, b.count(`SELECT count(*) FROM notifications`), "one notification each, none twice")
	return drained
}

// outage probes fn every 20ms from start and records the longest run of
// failures: the time without service.
type outage struct {
	stop     chan struct{}
	done     chan struct{}
	longest  time.Duration
	failures int
	// backAt is when the longest run of failures ended.
	backAt time.Time
}

func probe(fn func(ctx context.Context) error) *outage {
	o := &outage{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		var since time.Time
		for {
			select {
			case <-o.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err := fn(ctx)
			cancel()
			now := time.Now()
			switch {
			case err != nil && since.IsZero():
				since = now
				o.failures++
			case err != nil:
				o.failures++
			case !since.IsZero():
				if now.Sub(since) > o.longest {
					o.longest, o.backAt = now.Sub(since), now
				}
				since = time.Time{}
			}
		}
	}()
	return o
}

// end stops the probe and returns the longest outage it saw and how long
// after t0 (the fault) it ended: the time without service.
func (o *outage) end(t0 time.Time) (longest, backAfter time.Duration) {
	close(o.stop)
	<-o.done
	if o.backAt.IsZero() {
		return 0, 0
	}
	return o.longest, o.backAt.Sub(t0)
}
