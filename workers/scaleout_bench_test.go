package workers_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/benchplot"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

var chartsDir = flag.String("charts", "", "write the engine scale-out chart to this directory (e.g. ../docs/img)")

// BenchmarkEngineWorkers runs b.N onboardings through 1, 2 and 4
// `campusbiz worker` processes (20 handlers each, as deployed) against the
// same Postgres and Redis, from committed outbox rows to final profiles.
// The time includes the processes' start (about 0.1 s). For example:
//
//	go test -run '^$' -bench EngineWorkers -benchtime 6000x ./workers/ -args -charts ../docs/img
func BenchmarkEngineWorkers(b *testing.B) {
	campusbizBinary(b) // built once, outside the timed part
	processes := []int{1, 2, 4}
	rates := make([]float64, len(processes))
	for i, n := range processes {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) {
			e := newBackend(b)
			seedOnboardings(b, e, b.N)
			b.ResetTimer()
			start := time.Now()
			for p := range n {
				e.startWorkerProcess(fmt.Sprintf("worker-%d", p), "WORKER_CONCURRENCY=20", "DB_MAX_OPEN_CONNS=20")
			}
			testenv.WaitFor(b, 10*time.Minute, "all profiles final", func() bool {
				return e.count(`SELECT count(*) FROM student_profiles WHERE status = 'pending'`) == 0
			})
			elapsed := time.Since(start)
			b.StopTimer()
			rates[i] = float64(b.N) / elapsed.Seconds()
			b.ReportMetric(rates[i], "tasks/s")
		})
	}
	if *chartsDir == "" {
		return
	}
	x := make([]float64, len(processes))
	for i, n := range processes {
		x[i] = float64(n)
	}
	require.NoError(b, benchplot.Save(benchplot.Chart{
		Title: "onboarding:verify through the engine: throughput", XLabel: "worker processes (20 handlers each)",
		YLabel: "tasks per second", Series: []benchplot.Series{{Name: "campusbiz workers", X: x, Y: rates}},
	}, filepath.Join(*chartsDir, "engine-workers.png")))
}
