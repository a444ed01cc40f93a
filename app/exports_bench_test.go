package app_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// countingWriter discards what it is given and counts the bytes; Flush
// stands in for the HTTP response's.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
func (w *countingWriter) Flush()                      {}

// BenchmarkExportFundApplications streams the fund-applications export
// (each application with its reviews aggregated) of 100,000 and 1,000,000
// applications, a fifth of them with two reviews, and reports rows/s and
// the peak heap in use while it runs (sampled every 5 ms), to show that
// memory does not grow with the rows:
//
//	go test -run '^$' -bench ExportFundApplications -benchtime 1x ./app/
func BenchmarkExportFundApplications(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := testenv.Postgres(b).DB
			a := fixtures.App(db)
			admin := app.ActorOf(fixtures.Account(b, db, models.RoleAdmin))
			students, _ := fixtures.VerifiedStudents(b, db, 1)
			shop := fixtures.VerifiedShops(b, db, students)[0]
			program := fixtures.FundProgram(b, db, nil, nil)
			reviewers := []models.Account{fixtures.Reviewer(b, db, ""), fixtures.Reviewer(b, db, "")}
			require.NoError(b, db.Exec(`INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan, status, score)
				SELECT gen_random_uuid(), ?, ?, ?, 100000 + i, '计划 ' || i, 'submitted', (i % 100)::int
				FROM generate_series(1, ?) i`, program.ID, students[0].ID, shop.ID, n).Error)
			require.NoError(b, db.Exec(`INSERT INTO fund_reviews (id, application_id, reviewer_id, status, decision, score, comment, due_at, reviewed_at)
				SELECT gen_random_uuid(), f.id, r.id, 'done', 'approve', 7, '好', now(), now()
				FROM (SELECT id FROM fund_applications ORDER BY id LIMIT ?) f CROSS JOIN (SELECT unnest(CAST(? AS uuid[])) AS id) r`,
				n/5, "{"+reviewers[0].ID+","+reviewers[1].ID+"}").Error)
			require.NoError(b, db.Exec(`ANALYZE`).Error)
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak atomic.Uint64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						runtime.ReadMemStats(&m)
						if m.HeapInuse > peak.Load() {
							peak.Store(m.HeapInuse)
						}
					}
				}
			}()
			var w countingWriter
			start := time.Now()
			for b.Loop() {
				w.n = 0
				require.NoError(b, a.Export(context.Background(), admin, "fund-applications", &w))
			}
			elapsed := time.Since(start) / time.Duration(b.N)
			close(stop)
			<-done
			b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(w.n)/(1<<20), "MB-written")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap-before-MB")
		})
	}
}
