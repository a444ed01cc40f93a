package workers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// The runner's transaction sends a step whose writes are all deferred in one
// pipeline (BEGIN, completion, writes, COMMIT); these tests hold that path to
// the same guarantees as the others.

// txFixture is a back end with an effects table and claimed outbox rows.
type txFixture struct {
	*backend
}

func newTxFixture(t *testing.T) txFixture {
	e := newBackend(t)
	require.NoError(t, e.schema.DB.Exec(`CREATE TABLE effects (task_id uuid NOT NULL, n integer NOT NULL CHECK (n > 0))`).Error)
	return txFixture{e}
}

// task writes one claimed outbox row and returns the run of its delivery.
func (f txFixture) task(t *testing.T) engine.Run {
	t.Helper()
	id := models.NewID()
	require.NoError(t, f.schema.DB.Exec(`INSERT INTO outbox (id, task_type, payload, queue, max_retry, timeout_seconds, dispatched_at, dispatch_count)
		VALUES (?, 'test:effect', '{}', 'default', 3, 30, now(), 1)`, id).Error)
	return f.runOf(id, 0)
}

func (f txFixture) effects(run engine.Run) int {
	return f.count(`SELECT count(*) FROM effects WHERE task_id = ?`, run.TaskID)
}

func (f txFixture) completed(run engine.Run) bool {
	return f.count(`SELECT count(*) FROM outbox WHERE id = ?`, run.TaskID) == 0
}

// deferredEffect writes the task's effect as a deferred write only.
func deferredEffect(n int) engine.Step {
	return func(ctx context.Context, w *engine.Work, run engine.Run) error {
		w.Defer(`INSERT INTO effects (task_id, n) VALUES ($1, $2)`, run.TaskID, n)
		return nil
	}
}

func TestDeferredOnlyStepDuplicateDeliveryWritesOnce(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	ctx := context.Background()

	t.Run("sequential", func(t *testing.T) {
		run := f.task(t)
		require.NoError(t, f.runner.Execute(ctx, run, deferredEffect(1), nil))
		require.NoError(t, f.runner.Execute(ctx, run, deferredEffect(1), nil))
		require.Equal(t, 1, f.effects(run))
		require.True(t, f.completed(run))
	})
	t.Run("concurrent", func(t *testing.T) {
		run := f.task(t)
		var g errgroup.Group
		for range 8 {
			g.Go(func() error { return f.runner.Execute(ctx, run, deferredEffect(1), nil) })
		}
		require.NoError(t, g.Wait())
		require.Equal(t, 1, f.effects(run))
		require.True(t, f.completed(run))
	})
	t.Run("mixed with a step that reads first", func(t *testing.T) {
		run := f.task(t)
		readsFirst := func(ctx context.Context, w *engine.Work, r engine.Run) error {
			var n int64
			if err := w.DB().Raw(`SELECT count(*) FROM effects WHERE task_id = ?`, r.TaskID).Row().Scan(&n); err != nil {
				return err
			}
			return w.DB().Exec(`INSERT INTO effects (task_id, n) VALUES (?, 1)`, r.TaskID).Error
		}
		var g errgroup.Group
		for i := range 8 {
			step := deferredEffect(1)
			if i%2 == 0 {
				step = readsFirst
			}
			g.Go(func() error { return f.runner.Execute(ctx, run, step, nil) })
		}
		require.NoError(t, g.Wait())
		require.Equal(t, 1, f.effects(run))
	})
}

func TestFailingDeferredWriteCommitsNothing(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	ctx := context.Background()
	for name, step := range map[string]engine.Step{
		"deferred only": deferredEffect(-1), // breaks the CHECK at commit
		"after an immediate write": func(ctx context.Context, w *engine.Work, run engine.Run) error {
			if err := w.DB().Exec(`INSERT INTO effects (task_id, n) VALUES (?, 1)`, run.TaskID).Error; err != nil {
				return err
			}
			return deferredEffect(-1)(ctx, w, run)
		},
	} {
		t.Run(name, func(t *testing.T) {
			run := f.task(t)
			err := f.runner.Execute(ctx, run, step, nil)
			require.ErrorContains(t, err, "effects_n_check")
			require.Zero(t, f.effects(run), "the immediate write rolled back with the deferred one")
			require.False(t, f.completed(run), "the row stays due, so the retry runs")

			require.NoError(t, f.runner.Execute(ctx, run, deferredEffect(1), nil))
			require.Equal(t, 1, f.effects(run))
			require.True(t, f.completed(run))
		})
	}
}

// A delivery that finds no outbox row (its task completed, and the row with
// it) does nothing, whether its step reads first or only defers writes.
func TestDeliveryWithoutOutboxRowDoesNothing(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	run := engine.Run{TaskID: models.NewID(), Type: "test:effect", MaxRetry: 3}
	require.NoError(t, f.runner.Execute(context.Background(), run, deferredEffect(1), nil))
	require.NoError(t, f.runner.Execute(context.Background(), run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
		if err := w.DB().Exec(`INSERT INTO effects (task_id, n) VALUES (?, 1)`, r.TaskID).Error; err != nil {
			return err
		}
		return deferredEffect(1)(ctx, w, r)
	}, nil))
	require.Zero(t, f.effects(run))
}

func TestPanickingStepReleasesItsConnection(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	run := f.task(t)
	boom := func(ctx context.Context, w *engine.Work, r engine.Run) error {
		if err := w.DB().Exec(`INSERT INTO effects (task_id, n) VALUES (?, 1)`, r.TaskID).Error; err != nil {
			return err
		}
		panic("step bug")
	}
	func() {
		defer func() { require.Equal(t, "step bug", recover()) }()
		_ = f.runner.Execute(context.Background(), run, boom, nil)
	}()
	sqlDB, err := f.schema.DB.DB()
	require.NoError(t, err)
	require.Zero(t, sqlDB.Stats().InUse, "the step's connection went back to the pool")
	require.Zero(t, f.effects(run))
	require.False(t, f.completed(run))
	require.NoError(t, f.runner.Execute(context.Background(), run, deferredEffect(1), nil))
	require.Equal(t, 1, f.effects(run))
}

func TestCancelledDeferredOnlyStepCommitsNothing(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	run := f.task(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := f.runner.Execute(ctx, run, func(ctx context.Context, w *engine.Work, r engine.Run) error {
		err := deferredEffect(1)(ctx, w, r)
		cancel()
		return err
	}, nil)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.Zero(t, f.effects(run))
	require.False(t, f.completed(run))
}

// A duplicate whose step fails before its first statement (in Go, say
// decoding) must not record a failure for a task that completed.
func TestDuplicateFailingBeforeItsFirstStatementRecordsNothing(t *testing.T) {
	t.Parallel()
	f := newTxFixture(t)
	run := f.task(t)
	require.NoError(t, f.runner.Execute(context.Background(), run, deferredEffect(1), nil))
	failures := 0
	err := f.runner.Execute(context.Background(), run, func(context.Context, *engine.Work, engine.Run) error {
		return engine.Permanentf("cannot decode")
	}, func(context.Context, *engine.Work, engine.Run, error) error {
		failures++
		return nil
	})
	require.NoError(t, err)
	require.Zero(t, failures)
	require.Equal(t, 1, f.effects(run))
}
