package workers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkMatchRound times a whole matching round from the database: the
// internship:match task as the worker runs it (its Prepare marks the round
// running; then the runner's unit of work: outbox lock, lapsing overdue
// offers, loading places and candidates, scoring, matching, saving every
// outcome with its entry, event and notification, the round's counts, and
// the commit). Seeding is set-based and untimed; between iterations the
// applications are reset to pending, untimed. Year one's size:
//
//	go test -run '^$' -bench 'BenchmarkMatchRound' -benchtime 3x ./workers/
//
// Besides ns/op it reports the round's own split: load, match and save
// (milliseconds, as recorded on the round) and commit (the rest: the
// commit, and the Prepare phase's short unit of work).
func BenchmarkMatchRound(b *testing.B) {
	for _, size := range []roundSize{
		{applicants: 100_000, places: 5_000, capacity: 1, listLen: 10},
		{applicants: 10_000, places: 500, capacity: 1, listLen: 10},
	} {
		b.Run(size.String(), func(b *testing.B) {
			e := newBackend(b)
			db := e.schema.DB
			seedRound(b, db, size, 1)
			var load, match, save, commit time.Duration
			rounds := 0
			for b.Loop() {
				b.StopTimer()
				resetRounds(b, e)
				round, taskID := startRound(b, db)
				run := e.runOf(taskID, 0)
				b.StartTimer()

				began := time.Now()
				require.NoError(b, e.deliver(context.Background(), e.h, run))
				took := time.Since(began)

				b.StopTimer()
				r := matchRound(b, db, round.ID)
				require.Equal(b, size.applicants, r.Applicants)
				load += time.Duration(r.LoadMS) * time.Millisecond
				match += time.Duration(r.MatchMS) * time.Millisecond
				save += time.Duration(r.SaveMS) * time.Millisecond
				commit += took - time.Duration(r.DurationMS)*time.Millisecond
				rounds++
				b.StartTimer()
			}
			per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(rounds) }
			b.ReportMetric(per(load), "load-ms/op")
			b.ReportMetric(per(match), "match-ms/op")
			b.ReportMetric(per(save), "save-ms/op")
			b.ReportMetric(per(commit), "commit-ms/op")
		})
	}
}

// resetRounds puts every application back to pending and clears what
// earlier rounds wrote, so each iteration matches the same round.
func resetRounds(b *testing.B, e *backend) {
	b.Helper()
	for _, q := range []string{
		`UPDATE internship_applications SET status = 'pending', round_id = NULL, offer_place_id = NULL,
			offer_expires_at = NULL, answered_at = NULL WHERE status <> 'pending'`,
		`DELETE FROM notifications`,
		`DELETE FROM workflow_events`,
		`DELETE FROM match_round_entries`,
		`DELETE FROM match_round_places`,
		`UPDATE match_rounds SET status = 'done' WHERE status IN ('queued', 'running')`,
		`VACUUM ANALYZE`,
	} {
		execSQL(b, e.schema.DB, q)
	}
}
