package workers_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"golang.org/x/sync/errgroup"
)

// BenchmarkFundDecisions measures fund:decide under contention: b.N
// approved applications decided by 8 workers at once against one programme
// whose budget covers half of them (every reservation and waitlisting takes
// the programme's row lock).
func BenchmarkFundDecisions(b *testing.B) {
	e := newBackend(b)
	const grant = int64(1000)
	prog := fixtures.FundProgram(b, e.schema.DB, nil, func(p *models.FundProgram) {
		p.BudgetFen, p.MaxGrantFen = max(1, int64(b.N/2))*grant, grant
	})
	accts, _ := fixtures.VerifiedStudents(b, e.schema.DB, b.N)
	ids := e.enqueueDecisions(e.reviewedApplications(prog, accts, grant))
	h := e.fundHandlers(time.Now)
	runs := make(chan string)
	ctx := context.Background()
	b.ResetTimer()
	var g errgroup.Group
	for range 8 {
		g.Go(func() error {
			for id := range runs {
				if err := e.deliver(ctx, h, e.runOf(id, 0)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, id := range ids {
		runs <- id
	}
	close(runs)
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	e.requireLedgerMatches(prog.ID)
}
