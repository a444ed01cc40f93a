package workers_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// TestRoundSurvivesWorkerKill SIGKILLs a `campusbiz worker` process in the
// middle of a matching round, starts another, and checks that the retried
// round makes one set of offers: exactly the offers its stored inputs give,
// one outcome event and notification per applicant. Asynq gives the dead
// worker's task back after its lease lapses (about a minute).
func TestRoundSurvivesWorkerKill(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	db := e.schema.DB
	seedRound(t, db, roundSize{applicants: 30_000, places: 1_500, capacity: 1, listLen: 10}, 21)
	round, _ := startRound(t, db)
	status := func() string { return matchRound(t, db, round.ID).Status }

	first := e.startWorkerProcess("match-1")
	testenv.WaitFor(t, 60*time.Second, "the first worker to start the round", func() bool { return status() == workflows.RoundRunning })
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	require.Equal(t, workflows.RoundRunning, status(), "the kill must land while the round runs; make the round bigger")
	require.Zero(t, e.count(`SELECT count(*) FROM match_round_entries`), "nothing of the killed attempt is left")
	require.Zero(t, e.count(`SELECT count(*) FROM internship_applications WHERE status <> 'pending'`))
	_, err := e.app.StartMatchRound(t.Context(), e.admin())
	require.ErrorIs(t, err, workflows.ErrConflict, "the interrupted round still holds its place: no second round meanwhile")

	e.startWorkerProcess("match-2")
	testenv.WaitFor(t, 200*time.Second, "the retried round to finish", func() bool { return status() == workflows.RoundDone })
	e.requireOneRound(round, roundOffers(t, db, round.ID))
	require.Positive(t, e.count(`SELECT attempt FROM workflow_events WHERE entity_id = ? AND to_state = 'done'`, round.ID),
		"the round was finished by a retry")
}
