package loadgen

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Summary is what a run measured.
type Summary struct {
	Elapsed time.Duration
	// Started applicants either Completed every step loadgen could drive
	// or Failed at one (Started = Completed + Failed).
	Started, Completed, Failed int64
	// Endpoints has one row per endpoint, by name.
	Endpoints []EndpointStats
	// Workflows has one row per workflow loadgen waited on.
	Workflows []WorkflowStats
	// Skipped counts the steps not driven, by reason.
	Skipped map[string]int64
	// Failures counts the errors that stopped applicants, by message
	// prefix (the endpoint and status).
	Failures map[string]int64
}

// EndpointStats is one endpoint's requests.
type EndpointStats struct {
	Name     string
	Requests int64
	// Errors are answers with another status than expected, and transport errors.
	Errors int64
	// Statuses counts answers by HTTP status (0: no answer).
	Statuses map[int]int64
	// Refused is when each failed request ran (from its start to its
	// answer), so that a chaos run can tell which of them a fault hit.
	Refused       []Span
	RPS           float64
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Span is a stretch of time, both ends included.
type Span struct{ From, To time.Time }

// Overlaps reports whether s and o share a moment.
func (s Span) Overlaps(o Span) bool { return !s.To.Before(o.From) && !o.To.Before(s.From) }

// WorkflowStats is the time from submission to the settled state of one
// workflow: the state where the system's own work ends (verified or
// rejected; in_review for a fund application, which people review next).
type WorkflowStats struct {
	Name string
	// States counts the settled states reached.
	States        map[string]int64
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Requests is the total number of requests made.
func (s Summary) Requests() int64 {
	var n int64
	for _, e := range s.Endpoints {
		n += e.Requests
	}
	return n
}

// Endpoint returns the row named name (zero when there is none).
func (s Summary) Endpoint(name string) EndpointStats {
	for _, e := range s.Endpoints {
		if e.Name == name {
			return e
		}
	}
	return EndpointStats{Name: name}
}

// Workflow returns the row named name (zero when there is none).
func (s Summary) Workflow(name string) WorkflowStats {
	for _, w := range s.Workflows {
		if w.Name == name {
			return w
		}
	}
	return WorkflowStats{Name: name}
}

// WriteTable prints the summary as aligned text tables.
func (s Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "applicants: %d started, %d completed, %d failed in %s; %d requests, %.1f/s\n\n",
		s.Started, s.Completed, s.Failed, s.Elapsed.Round(time.Millisecond), s.Requests(), float64(s.Requests())/s.Elapsed.Seconds())
	fmt.Fprintln(tw, "endpoint\trequests\terrors\treq/s\tp50\tp95\tp99\tmax\tstatuses\t")
	for _, e := range s.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n", e.Name, e.Requests, e.Errors, e.RPS,
			ms(e.P50), ms(e.P95), ms(e.P99), ms(e.Max), counts(e.Statuses))
	}
	fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t")
	fmt.Fprintln(tw, "submission to settled state\tsettled\t\t\tp50\tp95\tp99\tmax\tstates\t")
	for _, wf := range s.Workflows {
		var n int64
		for _, c := range wf.States {
			n += c
		}
		fmt.Fprintf(tw, "%s\t%d\t\t\t%s\t%s\t%s\t%s\t%s\t\n", wf.Name, n, ms(wf.P50), ms(wf.P95), ms(wf.P99), ms(wf.Max), counts(wf.States))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(s.Skipped)) {
		fmt.Fprintf(w, "not driven: %s (%d applicants)\n", k, s.Skipped[k])
	}
	for _, k := range slices.Sorted(maps.Keys(s.Failures)) {
		fmt.Fprintf(w, "failure: %s (%d applicants)\n", k, s.Failures[k])
	}
	return nil
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func counts[K string | int](m map[K]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%v:%d", k, m[k])
	}
	return out
}

// recorder collects measurements from every applicant.
type recorder struct {
	started, completed, failed atomic.Int64

	mu        sync.Mutex
	endpoints map[string]*endpointRec
	workflows map[string]*workflowRec
	skipped   map[string]int64
	failures  map[string]int64
}

type endpointRec struct {
	lat      []time.Duration
	errors   int64
	statuses map[int]int64
	refused  []Span
}

type workflowRec struct {
	lat    []time.Duration
	states map[string]int64
}

func newRecorder() *recorder {
	return &recorder{endpoints: map[string]*endpointRec{}, workflows: map[string]*workflowRec{},
		skipped: map[string]int64{}, failures: map[string]int64{}}
}

func (r *recorder) request(name string, status int, d time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.endpoints[name]
	if e == nil {
		e = &endpointRec{statuses: map[int]int64{}}
		r.endpoints[name] = e
	}
	e.lat = append(e.lat, d)
	e.statuses[status]++
	if !ok {
		e.errors++
		end := time.Now()
		e.refused = append(e.refused, Span{From: end.Add(-d), To: end})
	}
}

func (r *recorder) settled(workflow, state string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.workflows[workflow]
	if w == nil {
		w = &workflowRec{states: map[string]int64{}}
		r.workflows[workflow] = w
	}
	w.lat = append(w.lat, d)
	w.states[state]++
}

func (r *recorder) skip(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped[reason]++
}

// failure counts err by its first 60 characters (endpoint and status).
func (r *recorder) failure(err error) {
	msg := err.Error()
	if len(msg) > 60 {
		msg = msg[:60]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures[msg]++
}

func (r *recorder) totals() (requests, errors int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.endpoints {
		requests += int64(len(e.lat))
		errors += e.errors
	}
	return requests, errors
}

func (r *recorder) summary(elapsed time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Summary{Elapsed: elapsed, Started: r.started.Load(), Completed: r.completed.Load(), Failed: r.failed.Load(),
		Skipped: maps.Clone(r.skipped), Failures: maps.Clone(r.failures)}
	for _, name := range slices.Sorted(maps.Keys(r.endpoints)) {
		e := r.endpoints[name]
		p := Percentiles(e.lat)
		s.Endpoints = append(s.Endpoints, EndpointStats{Name: name, Requests: int64(len(e.lat)), Errors: e.errors,
			Statuses: maps.Clone(e.statuses), Refused: slices.Clone(e.refused), RPS: float64(len(e.lat)) / elapsed.Seconds(),
			P50: p.P50, P95: p.P95, P99: p.P99, Max: p.Max})
	}
	for _, name := range slices.Sorted(maps.Keys(r.workflows)) {
		w := r.workflows[name]
		p := Percentiles(w.lat)
		s.Workflows = append(s.Workflows, WorkflowStats{Name: name, States: maps.Clone(w.states),
			P50: p.P50, P95: p.P95, P99: p.P99, Max: p.Max})
	}
	return s
}

// Latency holds percentiles of a sample.
type Latency struct {
	P50, P95, P99, Max time.Duration
}

// Percentiles returns the nearest-rank percentiles of sample (which it
// sorts); zero for an empty sample.
func Percentiles(sample []time.Duration) Latency {
	if len(sample) == 0 {
		return Latency{}
	}
	sort.Slice(sample, func(i, j int) bool { return sample[i] < sample[j] })
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(sample)))) - 1
		return sample[max(0, min(i, len(sample)-1))]
	}
	return Latency{P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: sample[len(sample)-1]}
}
