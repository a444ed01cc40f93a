package hatest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/chaos"
	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/campusbiz/campusbiz/internal/redisconn"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

// journeyApplicants is how many applicants the first wave runs through the
// whole journey, faultApplicants the second (longer, so that it still runs
// when the second fault lands), journeyConcurrency how many at once.
const (
	journeyApplicants  = 25
	faultApplicants    = 40
	journeyConcurrency = 6
)

// faultSlack extends a fault window past the moment the API answered ready
// again: a cluster client learns the new slot map on its next reload (every
// 2s), and a request that started during the fault ends after it.
const faultSlack = 3 * time.Second

// created is, for each step a client submits, the loadgen endpoint, the
// status that means "saved" and the table it saves a row in.
var created = []struct{ endpoint, table string }{
	{"register", "accounts"},
	{"onboard", "student_profiles"},
	{"enroll", "enrollments"},
	{"internship apply", "internship_applications"},
	{"shop", "shops"},
	{"fund apply", "fund_applications"},
}

// rows counts the rows of the created tables, or fails on an error (call it
// only when the database is up).
func (s *system) rows() map[string]int {
	s.t.Helper()
	out := map[string]int{}
	for _, c := range created {
		var n int
		require.NoError(s.t, s.db.Raw(`SELECT count(*) FROM `+c.table).Row().Scan(&n))
		out[c.table] = n
	}
	return out
}

// requireNoneLost checks that every submission the API answered 201 or 202
// during a wave left a row: the rows added since before are at least the
// successful answers (more when a reply was lost after the commit).
func (s *system) requireNoneLost(sum loadgen.Summary, before map[string]int) {
	s.t.Helper()
	after := s.rows()
	for _, c := range created {
		e := sum.Endpoint(c.endpoint)
		saved := e.Statuses[http.StatusCreated] + e.Statuses[http.StatusAccepted]
		require.Positive(s.t, saved, "the wave drove %s", c.endpoint)
		require.GreaterOrEqual(s.t, int64(after[c.table]-before[c.table]), saved,
			"%s: every %s the API acknowledged is saved", c.table, c.endpoint)
		require.LessOrEqual(s.t, int64(after[c.table]-before[c.table]), e.Requests,
			"%s: no more rows than %s requests", c.table, c.endpoint)
	}
}

// wave runs n applicants through the whole journey: register, onboarding
// and its e-mail code, training to a certificate, an internship
// application, a shop the admin confirms, a fund application both
// reviewers approve and its payout. Requests answered 503 or not at all are
// tried again for up to retry.
func (s *system) wave(ctx context.Context, n int, retry time.Duration) loadgen.Summary {
	s.t.Helper()
	reviewers := make([]loadgen.Login, len(s.reviewers))
	for i, e := range s.reviewers {
		reviewers[i] = loadgen.Login{Email: e, Password: sysReviewerPass}
	}
	sum, err := loadgen.Run(ctx, loadgen.Config{
		BaseURL: s.base, Count: n, Concurrency: journeyConcurrency, Settle: 30 * time.Second,
		AdminEmail: sysAdminEmail, AdminPassword: sysAdminPassword, Reviewers: reviewers,
		CourseID: s.courseID, Mailbox: s.mail, Retry: retry,
		Client: &http.Client{Timeout: 10 * time.Second},
	})
	require.NoError(s.t, err)
	return sum
}

// finish does what people do for the workflows an applicant stopped
// half-way left waiting (the admin confirms pending shops and posts course
// results, the reviewers review what is assigned to them) and starts a
// matching round for the internship applications, until every workflow is
// settled and the outbox owes nothing. It returns how long that took.
func (s *system) finish(timeout time.Duration) time.Duration {
	s.t.Helper()
	ctx := context.Background()
	start := time.Now()
	var reviewerTokens []string
	for _, e := range s.reviewers {
		reviewerTokens = append(reviewerTokens, s.login(e, sysReviewerPass))
	}
	var counts []chaos.WorkflowCount
	var backlog int64
	for {
		var err error
		counts, err = chaos.CountWorkflows(ctx, s.db)
		require.NoError(s.t, err)
		backlog, err = chaos.OutboxBacklog(ctx, s.db)
		require.NoError(s.t, err)
		settled := backlog == 0
		for _, c := range counts {
			settled = settled && c.Settled == c.Submitted
		}
		if settled {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			s.t.Fatalf("not settled after %v: %+v, outbox backlog %d", timeout, counts, backlog)
		}
		s.peopleStep(ctx, reviewerTokens)
		time.Sleep(500 * time.Millisecond)
	}
}

// peopleStep is one round of finish's human work.
func (s *system) peopleStep(ctx context.Context, reviewerTokens []string) {
	s.t.Helper()
	ids := func(q string) []string {
		var out []string
		require.NoError(s.t, s.db.WithContext(ctx).Raw(q).Scan(&out).Error)
		return out
	}
	// 409: the step landed already, or the workflow moved on.
	ok := func(status int) bool { return status < 300 || status == http.StatusConflict }
	for _, id := range ids(`SELECT id FROM shops WHERE status = 'pending' AND created_at < now() - interval '2 seconds'`) {
		status, err := s.call(ctx, http.MethodPost, "/api/v1/admin/shops/"+id+"/confirm", s.adminToken, map[string]any{"verified": true}, nil)
		require.True(s.t, ok(status), "confirm shop: %v", err)
	}
	for _, id := range ids(`SELECT id FROM enrollments WHERE status = 'enrolled'`) {
		status, err := s.call(ctx, http.MethodPost, "/api/v1/admin/enrollments/"+id+"/result", s.adminToken, map[string]any{"score": 90}, nil)
		require.True(s.t, ok(status), "course result: %v", err)
	}
	for _, tok := range reviewerTokens {
		var assigned struct {
			Items []struct {
				Application struct {
					ID string `json:"id"`
				} `json:"application"`
			} `json:"items"`
		}
		_, err := s.call(ctx, http.MethodGet, "/api/v1/reviews/assigned?limit=200", tok, nil, &assigned)
		require.NoError(s.t, err)
		for _, it := range assigned.Items {
			status, err := s.call(ctx, http.MethodPost, "/api/v1/fund-applications/"+it.Application.ID+"/reviews", tok,
				map[string]any{"decision": "approve", "score": 8, "comment": "Clear plan, realistic numbers."}, nil)
			require.True(s.t, ok(status), "review: %v", err)
		}
	}
	if len(ids(`SELECT id FROM internship_applications WHERE status = 'pending'`)) > 0 &&
		len(ids(`SELECT id FROM match_rounds WHERE status <> 'done'`)) == 0 {
		status, err := s.call(ctx, http.MethodPost, "/api/v1/admin/match-rounds", s.adminToken, nil, nil)
		require.True(s.t, ok(status), "match round: %v", err)
	}
}

// requireOnce runs the chaos run's invariant queries: no entity with two
// final events, no notification, ledger entry or certificate twice, no
// task Asynq gave up on, no profile verified without its code, every
// programme's totals matching its ledger within its budget.
func (s *system) requireOnce() chaos.Checks {
	s.t.Helper()
	c, err := chaos.Check(context.Background(), s.db)
	require.NoError(s.t, err)
	require.Zero(s.t, c.Duplicated(), "duplicated effects: %+v", c)
	require.Zero(s.t, c.FailedTasks, "tasks Asynq gave up on")
	require.Zero(s.t, c.VerifiedWithoutCode)
	require.Empty(s.t, c.LedgerMismatch)
	require.Empty(s.t, c.Overspent)
	return c
}

// requireMonitoring checks Asynqmon, mounted by `campusbiz serve` at
// /monitoring for admins, lists the queues on the topology.
func (s *system) requireMonitoring() {
	s.t.Helper()
	for _, path := range []string{"/monitoring/api/queues", "/monitoring/api/redis_info"} {
		var body map[string]any
		s.must(http.MethodGet, path, s.adminToken, nil, &body, http.StatusOK)
		if path == "/monitoring/api/queues" {
			require.Contains(s.t, fmt.Sprint(body), "critical")
		}
	}
}

// failures is sum's table (endpoints, workflows, the errors that stopped
// applicants), for a failure message or the log.
func failures(sum loadgen.Summary) string {
	var b strings.Builder
	_ = sum.WriteTable(&b)
	return b.String()
}

// journeys is the settled counts of a wave's workflows, for the FIGURES.
func journeys(sum loadgen.Summary) string {
	var parts []string
	for _, w := range sum.Workflows {
		var states []string
		for st, n := range w.States {
			states = append(states, fmt.Sprintf("%d %s", n, st))
		}
		slices.Sort(states)
		parts = append(parts, fmt.Sprintf("%s %s (p50 %v)", w.Name, strings.Join(states, ", "), w.P50.Round(time.Millisecond)))
	}
	return strings.Join(parts, "; ")
}

// The real `campusbiz serve` and `worker` on a Redis Cluster (three
// primaries, three replicas) and a two-host DATABASE_URL (a primary and its
// synchronous replica, target_session_attrs=read-write), migrated through
// that URL: the whole applicant journey passes through the HTTP API with no
// failure. Then, with a second wave running and the same processes, the
// cluster primary holding the critical queue is SIGKILLed and, once the
// cluster took over, the Postgres primary is stopped and its replica
// promoted: the wave completes (loadgen tries a 503 or an unanswered
// request again, as a client riding out a failover does), requests fail
// only inside the two fault windows and never with a 500, nothing
// acknowledged is lost, nothing is done twice, and the processes were not
// restarted.
func TestJourneyFailoverOnClusterAndPostgresPair(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cluster := testenv.StartRedisCluster(t)
	pair := testenv.StartPostgresPair(t)
	setupStart := time.Now()
	sys := startSystem(t, redisconn.Cluster, cluster.URL(), pair.URL("campusbiz"))
	sys.setUp()
	setup := time.Since(setupStart)

	// Wave 1: no fault; every applicant finishes every step.
	before := sys.rows()
	sum1 := sys.wave(ctx, journeyApplicants, 10*time.Second)
	require.Zero(t, sum1.Failed, "no applicant may fail without a fault:\n%s", failures(sum1))
	require.EqualValues(t, journeyApplicants, sum1.Completed)
	require.Empty(t, sum1.Skipped, "every step of the journey is driven")
	var busy int64
	for _, e := range sum1.Endpoints {
		// Without a fault the one refusal is the API shedding password
		// hashing on a busy machine (503, try again shortly), at sign-up
		// and sign-in; loadgen tries those again.
		if e.Name == "register" || strings.HasSuffix(e.Name, "login") {
			require.Equal(t, e.Errors, e.Statuses[http.StatusServiceUnavailable], "%s: only 503s", e.Name)
			busy += e.Errors
			continue
		}
		require.Zero(t, e.Errors, "%s: failed requests without a fault", e.Name)
	}
	require.Equal(t, int64(journeyApplicants), sum1.Workflow("training").States["certified"])
	require.Equal(t, int64(journeyApplicants), sum1.Workflow("fund after reviews").States["disbursed"])
	sys.requireNoneLost(sum1, before)
	settle1 := sys.finish(60 * time.Second)
	sys.requireOnce()
	sys.requireMonitoring()

	// Wave 2: the faults land once it is under way.
	before = sys.rows()
	waveDone := make(chan loadgen.Summary, 1)
	go func() { waveDone <- sys.wave(ctx, faultApplicants, 30*time.Second) }()
	testenv.WaitFor(t, 30*time.Second, "the second wave to be under way", func() bool {
		var n int
		err := sys.db.Raw(`SELECT count(*) FROM enrollments`).Row().Scan(&n)
		return err == nil && n >= before["enrollments"]+journeyConcurrency
	})
	var windows []loadgen.Span
	redisProbe := probe(sys.readyz)

	// The cluster primary of the critical queue's slot (Asynq keeps a
	// queue's keys under one hash tag, asynq:{critical}:...).
	const critical = "asynq:{critical}:pending"
	// A fault's window opens before the command that injects it: the
	// server dies while the command runs.
	killedAt := time.Now()
	killed := cluster.KillPrimaryOf(critical)
	cluster.WaitPromoted(critical, killed, 30*time.Second)
	tookOver := time.Since(killedAt)
	testenv.WaitFor(t, 30*time.Second, "the API to be ready after the cluster failover", sys.ready)
	redisReady := time.Since(killedAt)
	windows = append(windows, loadgen.Span{From: killedAt, To: time.Now().Add(faultSlack)})

	// The windows do not overlap, so that each refusal is the fault's.
	time.Sleep(time.Until(windows[0].To) + 500*time.Millisecond)
	redisDown, _ := redisProbe.end(killedAt)
	require.Empty(t, waveDone, "the wave still runs when the Postgres primary stops")
	pgProbe := probe(sys.readyz)
	stoppedAt := time.Now()
	pair.StopPrimary()
	// An operator or a failover manager takes a moment to decide.
	time.Sleep(time.Second)
	pair.Promote()
	promoted := time.Since(stoppedAt)
	testenv.WaitFor(t, 30*time.Second, "the API to be ready after the promotion", sys.ready)
	pgReady := time.Since(stoppedAt)
	windows = append(windows, loadgen.Span{From: stoppedAt, To: time.Now().Add(faultSlack)})

	var sum2 loadgen.Summary
	select {
	case sum2 = <-waveDone:
	case <-time.After(90 * time.Second):
		t.Fatal("the second wave did not finish in 90s")
	}
	pgDown, _ := pgProbe.end(stoppedAt)
	sys.requireRunning()
	require.EqualValues(t, faultApplicants, sum2.Started, "the wave ran to its end")
	var refused, outside int64
	inWindow := make([]int64, len(windows))
	for _, e := range sum2.Endpoints {
		retried := e.Statuses[http.StatusServiceUnavailable]+e.Statuses[0] > 0
		for status, n := range e.Statuses {
			// 503 (try later) or no answer, which loadgen tries again; a
			// 409 only where a retry may have repeated a committed
			// submission; a 422 only for an e-mail code a worker mailed
			// and failed to commit (Postgres went away), replaced by its
			// retry's (loadgen then types the newer one); never a 500.
			ok := status < 400 || status == http.StatusServiceUnavailable || (status == http.StatusConflict && retried) ||
				(status == http.StatusUnprocessableEntity && e.Name == "email code")
			require.True(t, ok, "%s answered %d %d times under the faults", e.Name, status, n)
		}
		for _, span := range e.Refused {
			refused++
			for i, w := range windows {
				if span.Overlaps(w) {
					inWindow[i]++
				}
			}
			if !slices.ContainsFunc(windows, span.Overlaps) {
				outside++
				t.Errorf("%s failed at %s, outside the fault windows", e.Name, span.From.Format("15:04:05.000"))
			}
		}
	}
	replacedCodes := sum2.Endpoint("email code").Statuses[http.StatusUnprocessableEntity]
	t.Logf("wave 2 under faults, loadgen's summary:\n%s", failures(sum2))
	require.Zero(t, outside, "requests fail only during a fault:\n%s", failures(sum2))
	// An applicant stops only when a retried submission had committed
	// (409), never on a workflow that did not settle.
	for msg := range sum2.Failures {
		require.Contains(t, msg, "status 409", "an applicant stopped for another reason than a repeated submission")
	}
	require.Equal(t, sum2.Started, sum2.Completed+sum2.Failed)
	sys.requireNoneLost(sum2, before)
	settle2 := sys.finish(60 * time.Second)
	checks := sys.requireOnce()
	sys.requireMonitoring()
	sys.requireRunning()
	counts, err := chaos.CountWorkflows(ctx, sys.db)
	require.NoError(t, err)
	var total []string
	for _, c := range counts {
		total = append(total, fmt.Sprintf("%d %s", c.Submitted, c.Name))
	}

	t.Logf("FIGURES journey (cluster + postgres pair): setup %v; wave 1 without faults: %d/%d applicants completed in %v, "+
		"%d requests, %d sign-ups or sign-ins shed (503, password hashing busy) and tried again, no other failed; %s; settled %v after the wave",
		setup.Round(100*time.Millisecond), sum1.Completed, sum1.Started, sum1.Elapsed.Round(100*time.Millisecond),
		sum1.Requests(), busy, journeys(sum1), settle1.Round(100*time.Millisecond))
	t.Logf("FIGURES journey faults: cluster replica took over %v after the SIGKILL, /readyz failing for %v (%d failed probes), ready when checked after the takeover (%v after the kill); "+
		"Postgres promoted %v after the stop command (1s of it a pause), /readyz failing for %v (%d failed probes), ready %v after the stop",
		tookOver.Round(10*time.Millisecond), redisDown.Round(10*time.Millisecond), redisProbe.failures, redisReady.Round(10*time.Millisecond),
		promoted.Round(10*time.Millisecond), pgDown.Round(10*time.Millisecond), pgProbe.failures, pgReady.Round(10*time.Millisecond))
	t.Logf("FIGURES journey wave 2 under faults (%v): %d/%d applicants completed, %d stopped (409 on a retried submission), %d requests, "+
		"%d failed and tried again (all inside the fault windows: %d in the cluster's, %d in Postgres's), "+
		"%d e-mail codes replaced by a second mail (the first mailed by a task whose commit failed); %s; settled %v after the wave; all workflows: %s; "+
		"0 lost, %d duplicated, %d tasks failed; api and worker never restarted",
		sum2.Elapsed.Round(100*time.Millisecond), sum2.Completed, sum2.Started, sum2.Failed, sum2.Requests(), refused, inWindow[0], inWindow[1], replacedCodes, journeys(sum2), settle2.Round(100*time.Millisecond),
		strings.Join(total, ", "), checks.Duplicated(), checks.FailedTasks)
}
