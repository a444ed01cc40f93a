package chaos

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/campusbiz/campusbiz/internal/loadgen"
)

// Report is what a chaos run injected, measured and found.
type Report struct {
	// Duration is how long load ran and faults were injected.
	Duration time.Duration
	// Faults counts the faults injected, by name (FaultKillWorker, ...).
	Faults map[string]int
	// Workflows counts submitted and settled entities per workflow.
	Workflows []WorkflowCount
	// Unrecorded counts submissions the API accepted (202 to loadgen) with
	// no row in the database: accepted work that vanished.
	Unrecorded int64
	// Submitted, Completed, Lost and Duplicated are the headline numbers:
	// Lost is submitted but never settled plus Unrecorded; Duplicated is
	// Checks.Duplicated.
	Submitted, Completed, Lost, Duplicated int64
	// Settled is true when the system settled within the limit, after
	// SettleTime (from the end of the faults).
	Settled    bool
	SettleTime time.Duration
	// Checks is what the invariant queries found.
	Checks Checks
	// Fund is what the run found about fund reviews, decisions and money.
	Fund FundChecks
	// Outage is what the API answered while Postgres was down.
	Outage Outage
	// SelfExits counts processes that died without being killed after
	// they had started, and StartFailures those that gave up while
	// starting (a worker started while Postgres is down); the run starts
	// both again, as a supervisor would.
	SelfExits, StartFailures int
	// ServerErrors counts 500s the API gave loadgen: a fault must show as
	// a 503, never as an internal error.
	ServerErrors int64
	// Load is loadgen's own summary (its applicants fail when a fault hits
	// them; that is expected).
	Load loadgen.Summary
	// FaultWindows is when each fault was in progress: from its injection
	// until the service it broke was back (the API answering again after
	// a Postgres restart), plus FaultAftermath.
	FaultWindows []loadgen.Span
	// RefusedOutsideFaults counts, per loadgen endpoint, the failed
	// requests that overlapped no fault window; RefusedInFaults counts the
	// others, all endpoints together.
	RefusedOutsideFaults map[string]int64
	RefusedInFaults      int64
	// SlowestPromotion is the longest time from a Sentinel failover's kill
	// to the replica's promotion (runs with Config.Sentinel only).
	SlowestPromotion time.Duration
	// SlowestSetRestart is the longest time from killing both servers of
	// the Sentinel set to the sentinels agreeing on the restarted primary
	// with its replica in sync (runs with Config.Sentinel only).
	SlowestSetRestart time.Duration
}

// acceptedBy maps loadgen's submission endpoints to the workflow they start.
var acceptedBy = map[string]string{
	"onboard": "onboarding", "shop": "shop", "fund apply": "fund", "internship apply": "internship",
}

// tally computes the headline numbers from the counts and checks.
func (r *Report) tally() {
	r.Submitted, r.Completed, r.Unrecorded = 0, 0, 0
	rows := map[string]int64{}
	for _, w := range r.Workflows {
		r.Submitted += w.Submitted
		r.Completed += w.Settled
		rows[w.Name] = w.Submitted
	}
	for endpoint, workflow := range acceptedBy {
		if accepted := r.Load.Endpoint(endpoint).Statuses[http.StatusAccepted]; accepted > rows[workflow] {
			r.Unrecorded += accepted - rows[workflow]
		}
	}
	r.Lost = r.Submitted - r.Completed + r.Unrecorded
	r.ServerErrors = 0
	for _, e := range r.Load.Endpoints {
		r.ServerErrors += e.Statuses[http.StatusInternalServerError]
	}
	r.Duplicated = r.Checks.Duplicated()
	r.attributeRefusals()
}

// FaultAftermath is how long after a fault's end its failures still count
// as the fault's: clients' pools reconnecting, a restarted worker warming up.
const FaultAftermath = 2 * time.Second

// attributeRefusals splits loadgen's failed requests into those a fault
// window explains and the rest.
func (r *Report) attributeRefusals() {
	r.RefusedOutsideFaults, r.RefusedInFaults = map[string]int64{}, 0
	for _, e := range r.Load.Endpoints {
		for _, req := range e.Refused {
			if slices.ContainsFunc(r.FaultWindows, req.Overlaps) {
				r.RefusedInFaults++
			} else {
				r.RefusedOutsideFaults[e.Name]++
			}
		}
	}
}

// Err says which guarantee the run saw broken; nil when all held.
func (r Report) Err() error {
	var errs []error
	if !r.Settled {
		errs = append(errs, fmt.Errorf("the system did not settle within %s", r.SettleTime.Round(time.Second)))
	}
	if r.Lost != 0 {
		errs = append(errs, fmt.Errorf("%d workflows lost", r.Lost))
	}
	if r.Duplicated != 0 {
		errs = append(errs, fmt.Errorf("%d effects duplicated", r.Duplicated))
	}
	if r.Checks.VerifiedWithoutCode != 0 {
		errs = append(errs, fmt.Errorf("%d profiles verified without a confirmed e-mail code", r.Checks.VerifiedWithoutCode))
	}
	if r.Checks.FailedTasks != 0 {
		errs = append(errs, fmt.Errorf("%d tasks archived (failed for good)", r.Checks.FailedTasks))
	}
	for _, m := range r.Checks.LedgerMismatch {
		errs = append(errs, fmt.Errorf("ledger mismatch: %s", m))
	}
	for _, m := range r.Checks.Overspent {
		errs = append(errs, fmt.Errorf("overspent: %s", m))
	}
	if r.Outage.BadCount != 0 {
		errs = append(errs, fmt.Errorf("%d bad answers while Postgres was down: %s", r.Outage.BadCount, strings.Join(r.Outage.Bad, "; ")))
	}
	if r.ServerErrors != 0 {
		errs = append(errs, fmt.Errorf("the API answered 500 %d times under load", r.ServerErrors))
	}
	if n := r.RefusedOutsideFaults["register"]; n != 0 {
		errs = append(errs, fmt.Errorf("%d registrations failed while no fault was in progress", n))
	}
	if r.SelfExits != 0 {
		errs = append(errs, fmt.Errorf("%d processes exited by themselves", r.SelfExits))
	}
	errs = append(errs, r.Fund.errs()...)
	return errors.Join(errs...)
}

// WriteTable prints the report as the chaos table.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	row("load and faults for", r.Duration.Round(time.Second))
	var faults int
	for _, n := range r.Faults {
		faults += n
	}
	row("faults injected", faults)
	sentinel := r.Faults[FaultSentinelFailover] > 0 || r.Faults[FaultRestartRedisSet] > 0
	for _, name := range []string{FaultKillWorker, FaultFlushRedis, FaultRestartRedis, FaultRestartRedisSet, FaultSentinelFailover, FaultRestartPostgres} {
		if !sentinel && (name == FaultSentinelFailover || name == FaultRestartRedisSet) ||
			sentinel && name == FaultRestartRedis {
			continue // a run has either the single server's faults or the Sentinel set's
		}
		row("  "+name, r.Faults[name])
	}
	row("workflows submitted", r.Submitted)
	for _, c := range r.Workflows {
		row("  "+c.Name, fmt.Sprintf("%d submitted, %d settled", c.Submitted, c.Settled))
	}
	row("completed", r.Completed)
	row("lost (must be 0)", r.Lost)
	row("duplicated (must be 0)", r.Duplicated)
	row("  two final events", r.Checks.DoubleFinal)
	row("  notification twice", r.Checks.DoubleNotified)
	row("  ledger entry twice", r.Checks.DoubleLedger)
	row("  certificate twice", r.Checks.DoubleCertificates)
	row("ledger matches totals", len(r.Checks.LedgerMismatch) == 0)
	row("no programme overspent", len(r.Checks.Overspent) == 0)
	row("tasks archived", r.Checks.FailedTasks)
	row("verified without a code (must be 0)", r.Checks.VerifiedWithoutCode)
	r.Fund.rows(row)
	settle := r.SettleTime.Round(100 * time.Millisecond).String()
	if !r.Settled {
		settle = "did not settle in " + settle
	}
	row("time to settle", settle)
	row("API while Postgres down", fmt.Sprintf("%d probes, %d bad, slowest %s, back %s after Postgres",
		r.Outage.Probes, r.Outage.BadCount, r.Outage.MaxLatency.Round(time.Millisecond), r.Outage.MaxRecovery.Round(time.Millisecond)))
	if sentinel {
		row("slowest Sentinel promotion", r.SlowestPromotion.Round(10*time.Millisecond))
		row("slowest set restart (kill to converged)", r.SlowestSetRestart.Round(10*time.Millisecond))
	}
	row("API 500s under load", r.ServerErrors)
	row("processes that died alone", r.SelfExits)
	row("starts that gave up (restarted)", r.StartFailures)
	row("loadgen applicants", fmt.Sprintf("%d started, %d completed, %d failed (hit by a fault), %d requests",
		r.Load.Started, r.Load.Completed, r.Load.Failed, r.Load.Requests()))
	var outside []string
	for _, name := range slices.Sorted(maps.Keys(r.RefusedOutsideFaults)) {
		outside = append(outside, fmt.Sprintf("%s %d", name, r.RefusedOutsideFaults[name]))
	}
	row("failed requests in a fault", r.RefusedInFaults)
	row("failed outside faults", cmp.Or(strings.Join(outside, ", "), "none")+" (register must be 0)")
	return tw.Flush()
}
