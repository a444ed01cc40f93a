package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"syscall"
	"time"

	"github.com/campusbiz/campusbiz/internal/loadgen"
)

// Fault names, as the report counts them.
const (
	FaultKillWorker      = "SIGKILL worker"
	FaultFlushRedis      = "FLUSHDB redis"
	FaultRestartRedis    = "restart redis"
	FaultRestartPostgres = "restart postgres"
)

// Restarter is a service the run may stop and start again: the private
// Postgres and Redis. Start on a stopped Redis brings it back empty.
type Restarter interface {
	Stop() error
	Start() error
}

// Outage is what the API answered while Postgres was down.
type Outage struct {
	// Probes counts the requests made while Postgres was down.
	Probes int
	// MaxLatency is the slowest of their answers.
	MaxLatency time.Duration
	// Bad describes answers that were not a 503 with the error body in
	// time (at most ten are kept), and BadCount counts them all.
	Bad      []string
	BadCount int
	// MaxRecovery is the longest time from Postgres being back to the API
	// answering 200 again.
	MaxRecovery time.Duration
}

// rotatingFaults are injected in turn every FaultEvery; workers are killed
// on their own, faster schedule.
var rotatingFaults = []string{FaultFlushRedis, FaultRestartRedis, FaultRestartPostgres}

// injectFaults runs the fault schedule until ctx ends.
func (r *run) injectFaults(ctx context.Context) {
	kill := time.NewTicker(r.cfg.KillEvery)
	defer kill.Stop()
	other := time.NewTicker(r.cfg.FaultEvery)
	defer other.Stop()
	rotation := r.cfg.faultRotation()
	for i := 0; ; {
		select {
		case <-ctx.Done():
			return
		case <-kill.C:
			if ctx.Err() != nil {
				return // both ready at the end of the schedule: stop, do not inject
			}
			r.fault(FaultKillWorker, r.killWorker)
		case <-other.C:
			if ctx.Err() != nil {
				return
			}
			name := rotation[i%len(rotation)]
			i++
			switch name {
			case FaultFlushRedis:
				r.fault(name, func() error {
					fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
					defer cancel()
					return r.redis.FlushDB(fctx).Err()
				})
			case FaultRestartRedis:
				r.fault(name, r.restartRedis)
			case FaultSentinelFailover:
				r.fault(name, r.sentinelFailover)
			case FaultRestartRedisSet:
				r.fault(name, r.restartRedisSet)
			case FaultRestartPostgres:
				r.fault(name, func() error { return r.restartPostgres(ctx) })
			}
		}
		r.reviveExited()
	}
}

// fault injects one fault and counts it; a fault that could not be
// injected is an error of the run.
func (r *run) fault(name string, inject func() error) {
	start := time.Now()
	err := inject()
	r.report.FaultWindows = append(r.report.FaultWindows, loadgen.Span{From: start, To: time.Now().Add(FaultAftermath)})
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("inject %s: %w", name, err))
		return
	}
	r.report.Faults[name]++
	r.log.Info("chaos: fault", "fault", name, "count", r.report.Faults[name])
}

// killWorker SIGKILLs a random worker and starts it again.
func (r *run) killWorker() error {
	w := r.workers[rand.IntN(len(r.workers))]
	if err := w.signal(syscall.SIGKILL); err != nil {
		return err
	}
	return w.start()
}

// startupWindow is how long a process may run and still count as failing
// to start when it exits.
const startupWindow = 10 * time.Second

// reviveExited restarts processes that exited by themselves, as a
// supervisor would. A process that gives up while starting (a worker
// restarted while Postgres is down cannot open its pool) is counted in
// StartFailures; one that dies after it started, in SelfExits.
func (r *run) reviveExited() {
	for _, p := range append([]*proc{r.apiProc}, r.workers...) {
		exited, ran := p.exited()
		if !exited {
			continue
		}
		if ran < startupWindow {
			r.report.StartFailures++
		} else {
			r.report.SelfExits++
		}
		r.log.Warn("chaos: process exited by itself; starting it again", "process", p.name, "ran", ran.String())
		if err := p.signal(syscall.SIGKILL); err != nil {
			r.errs = append(r.errs, err)
		}
		if err := p.start(); err != nil {
			r.errs = append(r.errs, err)
		}
	}
}

func (r *run) restartRedis() error {
	if err := r.cfg.Redis.Stop(); err != nil {
		return err
	}
	time.Sleep(r.cfg.DownFor)
	return r.cfg.Redis.Start()
}

// restartPostgres stops Postgres, probes the API while it is down, starts
// it again and waits for the API to recover.
func (r *run) restartPostgres(ctx context.Context) error {
	if err := r.cfg.Postgres.Stop(); err != nil {
		return err
	}
	r.probeOutage(ctx, time.Now().Add(r.cfg.DownFor))
	if err := r.cfg.Postgres.Start(); err != nil {
		return err
	}
	back := time.Now()
	for {
		var ok bool
		if a, err := r.api.call(ctx, http.MethodGet, "/api/v1/fund-programs", "", nil); err == nil && a.status == http.StatusOK {
			ok = true
		}
		if ok || ctx.Err() != nil {
			break
		}
		if time.Since(back) > time.Minute {
			return fmt.Errorf("the API did not recover within a minute of Postgres coming back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.report.Outage.MaxRecovery = max(r.report.Outage.MaxRecovery, time.Since(back))
	return nil
}

// probeOutage calls the API until `until`, expecting every answer to be a
// 503 with the error body within the request timeout (plus a second for
// the trip).
func (r *run) probeOutage(ctx context.Context, until time.Time) {
	probes := []struct{ path, token string }{
		{"/api/v1/fund-programs", ""},
		{"/api/v1/me", r.people.adminToken},
	}
	limit := r.cfg.RequestTimeout + time.Second
	for i := 0; time.Now().Before(until) && ctx.Err() == nil; i++ {
		p := probes[i%len(probes)]
		a, err := r.api.call(ctx, http.MethodGet, p.path, p.token, nil)
		o := &r.report.Outage
		o.Probes++
		o.MaxLatency = max(o.MaxLatency, a.elapsed)
		if bad := judgeOutageAnswer(a, err, limit); bad != "" {
			o.BadCount++
			if len(o.Bad) < 10 {
				o.Bad = append(o.Bad, fmt.Sprintf("GET %s: %s", p.path, bad))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// judgeOutageAnswer says what is wrong with an answer given while the
// database is down ("" when nothing is): it must be a 503 with API.md's
// error body (code "unavailable") within limit.
func judgeOutageAnswer(a answer, err error, limit time.Duration) string {
	if err != nil {
		return fmt.Sprintf("no answer after %s: %v", a.elapsed.Round(time.Millisecond), err)
	}
	if a.elapsed > limit {
		return fmt.Sprintf("answered after %s, more than %s", a.elapsed.Round(time.Millisecond), limit)
	}
	if a.status != http.StatusServiceUnavailable {
		return fmt.Sprintf("status %d, want 503: %.200s", a.status, a.body)
	}
	var body errorBody
	if json.Unmarshal(a.body, &body) != nil || body.Error.Code != "unavailable" || body.Error.Message == "" {
		return fmt.Sprintf("503 without the error body: %.200s", a.body)
	}
	return ""
}
