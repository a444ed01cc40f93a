package chaos

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/loadgen"
	"github.com/stretchr/testify/require"
)

func TestJudgeOutageAnswer(t *testing.T) {
	t.Parallel()
	body := []byte(`{"error":{"code":"unavailable","message":"the database is unavailable; try again shortly"}}`)
	limit := 3 * time.Second
	cases := []struct {
		name string
		a    answer
		err  error
		bad  string // substring of the complaint; "" for none
	}{
		{"503 with the error body in time", answer{status: 503, body: body, elapsed: 40 * time.Millisecond}, nil, ""},
		{"500", answer{status: 500, body: []byte(`{"error":{"code":"internal"}}`), elapsed: time.Millisecond}, nil, "status 500"},
		{"401 instead of 503", answer{status: 401, body: body, elapsed: time.Millisecond}, nil, "status 401"},
		{"503 without a body", answer{status: 503, elapsed: time.Millisecond}, nil, "without the error body"},
		{"503 with another code", answer{status: 503, body: []byte(`{"error":{"code":"internal","message":"x"}}`)}, nil, "without the error body"},
		{"too slow", answer{status: 503, body: body, elapsed: 4 * time.Second}, nil, "more than 3s"},
		{"hang", answer{elapsed: 8 * time.Second}, errors.New("timeout"), "no answer"},
	}
	for _, c := range cases {
		got := judgeOutageAnswer(c.a, c.err, limit)
		if c.bad == "" {
			require.Empty(t, got, c.name)
		} else {
			require.Contains(t, got, c.bad, c.name)
		}
	}
}

func TestReportTally(t *testing.T) {
	t.Parallel()
	r := Report{
		Workflows: []WorkflowCount{{Name: "onboarding", Submitted: 10, Settled: 10}, {Name: "shop", Submitted: 8, Settled: 7}},
		Checks:    Checks{DoubleFinal: 1, DoubleCertificates: 2},
		Settled:   true,
		Load: loadgen.Summary{Endpoints: []loadgen.EndpointStats{
			{Name: "onboard", Statuses: map[int]int64{http.StatusAccepted: 12, http.StatusServiceUnavailable: 3}},
			{Name: "shop", Statuses: map[int]int64{http.StatusAccepted: 8}},
			{Name: "GET /shops/{id}", Statuses: map[int]int64{http.StatusOK: 5, http.StatusInternalServerError: 1}},
		}},
	}
	r.tally()
	require.EqualValues(t, 18, r.Submitted)
	require.EqualValues(t, 17, r.Completed)
	require.EqualValues(t, 2, r.Unrecorded, "two accepted onboardings have no row")
	require.EqualValues(t, 3, r.Lost, "one unsettled shop and two unrecorded onboardings")
	require.EqualValues(t, 3, r.Duplicated)
	require.EqualValues(t, 1, r.ServerErrors)
	err := r.Err()
	require.ErrorContains(t, err, "3 workflows lost")
	require.ErrorContains(t, err, "3 effects duplicated")
	require.ErrorContains(t, err, "500 1 times")

	var table strings.Builder
	require.NoError(t, r.WriteTable(&table))
	require.Regexp(t, `lost \(must be 0\)\s+3\n`, table.String())
	require.Regexp(t, `duplicated \(must be 0\)\s+3\n`, table.String())
}

func TestReportErrNilWhenEverythingHeld(t *testing.T) {
	t.Parallel()
	r := Report{Workflows: []WorkflowCount{{Name: "onboarding", Submitted: 3, Settled: 3}}, Settled: true}
	r.tally()
	require.NoError(t, r.Err())
	r.Settled = false
	require.ErrorContains(t, r.Err(), "did not settle")
	r.Settled, r.Checks.Overspent = true, []string{"p: reserved 3 + disbursed 0 > budget 2"}
	require.ErrorContains(t, r.Err(), "overspent")
}

func TestAllSettled(t *testing.T) {
	t.Parallel()
	require.True(t, allSettled([]WorkflowCount{{Submitted: 2, Settled: 2}, {}}))
	require.False(t, allSettled([]WorkflowCount{{Submitted: 2, Settled: 2}, {Submitted: 1}}))
}

func TestKindsSettleInStatesTheirMachineKnows(t *testing.T) {
	t.Parallel()
	for _, k := range kinds {
		known := map[string]bool{k.machine.Initial: true}
		for from, tos := range k.machine.Transitions {
			known[from] = true
			for _, to := range tos {
				known[to] = true
			}
		}
		for _, s := range k.settled {
			require.True(t, known[s], "%s: settled state %q is not a state of its machine", k.name, s)
		}
		require.NotEmpty(t, k.machine.Final, k.name)
	}
}

func TestRefusalsAreAttributedToFaultWindows(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	at := func(from, to int) loadgen.Span {
		return loadgen.Span{From: t0.Add(time.Duration(from) * time.Second), To: t0.Add(time.Duration(to) * time.Second)}
	}
	r := Report{
		Settled:      true,
		FaultWindows: []loadgen.Span{at(10, 15), at(30, 31)},
		Load: loadgen.Summary{Endpoints: []loadgen.EndpointStats{
			// Inside a window, straddling its start, straddling its end.
			{Name: "register", Refused: []loadgen.Span{at(11, 12), at(9, 10), at(31, 33)}},
			{Name: "onboard", Refused: []loadgen.Span{at(20, 21)}},
		}},
	}
	r.tally()
	require.Equal(t, int64(3), r.RefusedInFaults)
	require.Equal(t, map[string]int64{"onboard": 1}, r.RefusedOutsideFaults)
	require.NoError(t, r.Err(), "only registrations must fail inside faults")

	r.Load.Endpoints[0].Refused = append(r.Load.Endpoints[0].Refused, at(40, 41))
	r.tally()
	require.ErrorContains(t, r.Err(), "1 registrations failed while no fault was in progress")
	var table strings.Builder
	require.NoError(t, r.WriteTable(&table))
	require.Contains(t, table.String(), "onboard 1, register 1 (register must be 0)")
}
