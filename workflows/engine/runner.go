package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
)

// Run is what a step knows about the task it runs.
type Run struct {
	// TaskID is the Asynq task id, which is also the outbox row id.
	TaskID string
	// Type is the task type.
	Type string
	// Attempt counts earlier failed runs: 0 on the first delivery.
	Attempt int
	// MaxRetry is how many retries the task has in all.
	MaxRetry int
	// Payload is the task's JSON payload.
	Payload []byte
}

// Transition fills in the task's share of a workflow event.
func (r Run) Transition(entityID, from, to string, reasons ...models.Reason) Transition {
	return Transition{
		EntityID: entityID, From: from, To: to, Reasons: reasons,
		Actor: ActorTask(r.Type), TaskID: r.TaskID, Attempt: r.Attempt,
	}
}

// LastAttempt reports whether a failure now would exhaust the retries.
func (r Run) LastAttempt() bool { return r.Attempt >= r.MaxRetry }

// Step does one task's work in its unit of work: lock the entity, return
// nil if the step is no longer due, else apply the transition, record the
// event and enqueue follow-up work. Errors marked Permanent are not retried.
type Step func(ctx context.Context, w *Work, run Run) error

// Failure records on the entity why its task gave up (a permanent error, or
// the last retry failed). It runs in a unit of work of its own.
type Failure func(ctx context.Context, w *Work, run Run, cause error) error

// Runner runs task steps with exactly-once effects: the step's unit of work
// deletes the task's outbox row before anything else, which locks it for
// the whole transaction, so duplicate deliveries serialise, and the second
// finds no row and commits nothing.
type Runner struct {
	// Engine runs the steps' units of work and dispatches their follow-up
	// tasks.
	Engine *Engine
	// Log receives one line per failure (required).
	Log *slog.Logger
}

// errAlreadyDone stops a duplicate delivery without writing anything.
var errAlreadyDone = errors.New("task already completed")

// Handler turns step (and an optional onFailure) into an Asynq handler.
func (r *Runner) Handler(step Step, onFailure Failure) asynq.HandlerFunc {
	return func(ctx context.Context, task *asynq.Task) error {
		return r.Execute(ctx, runOf(ctx, task), step, onFailure)
	}
}

// Execute runs step for run in one unit of work with the outbox row locked,
// completes the row, and classifies a failure: permanent errors and the
// last retry are recorded (onFailure, outbox row) and, when permanent,
// wrapped with asynq.SkipRetry.
func (r *Runner) Execute(ctx context.Context, run Run, step Step, onFailure Failure) error {
	if run.TaskID == "" {
		return fmt.Errorf("%s: no task id in context: %w", run.Type, asynq.SkipRetry)
	}
	err := r.runStep(ctx, run, step)
	switch {
	case err == nil, errors.Is(err, errAlreadyDone):
		return nil
	case ctx.Err() != nil:
		return err // shutting down or timed out: Asynq runs it again
	case IsPermanent(err):
		r.giveUp(ctx, run, err, onFailure)
		return fmt.Errorf("%s %s: %w: %w", run.Type, run.TaskID, err, asynq.SkipRetry)
	case run.LastAttempt():
		r.giveUp(ctx, run, err, onFailure)
	}
	return fmt.Errorf("%s %s: %w", run.Type, run.TaskID, err)
}

// runStep runs step in one unit of work that completes run's outbox row
// before anything else, commits, and dispatches the follow-up tasks. A
// delivery whose row is gone (its task completed) commits nothing.
func (r *Runner) runStep(ctx context.Context, run Run, step Step) error {
	w, err := r.Engine.begin(ctx, run.TaskID)
	if err != nil {
		return err
	}
	defer w.recoverRollback()
	stepErr := step(ctx, w, run)
	tx := w.tx
	if tx.lead != nil { // the completion failed, so did everything after it
		tx.rollback(ctx)
		return notCompleted(tx.lead)
	}
	if stepErr != nil {
		tx.rollback(ctx)
		if !tx.begun && r.completed(ctx, run) {
			return errAlreadyDone // failed before its first statement: a duplicate must not record a failure
		}
		return stepErr
	}
	if err := ctx.Err(); err != nil {
		tx.rollback(ctx)
		return fmt.Errorf("before commit: %w", err) // as database/sql does: a cancelled transaction never commits
	}
	if err := w.commit(ctx); err != nil {
		if isNotCompletable(err) {
			return errAlreadyDone
		}
		return err
	}
	w.dispatch()
	if r.Engine.Wake != nil {
		r.Engine.Wake()
	}
	return nil
}

// completed reports whether run's task has completed (its outbox row is
// gone); on a lookup error it answers false, so the failure is handled.
func (r *Runner) completed(ctx context.Context, run Run) bool {
	var n int64
	err := r.Engine.DB.WithContext(ctx).Raw(`SELECT count(*) FROM outbox WHERE id = ?`, run.TaskID).Row().Scan(&n)
	return err == nil && n == 0
}

// notCompleted explains a failed completion: complete_task's refusal means
// the task's row is gone, so an earlier delivery completed it and this
// duplicate did nothing.
func notCompleted(cause error) error {
	if isNotCompletable(cause) {
		return errAlreadyDone
	}
	return fmt.Errorf("complete outbox row: %w", cause)
}

// giveUp records the failure on the entity and the outbox row. If that fails
// too, the reconciler still sees the archived task and reports it.
func (r *Runner) giveUp(ctx context.Context, run Run, cause error, onFailure Failure) {
	tasksGaveUp.WithLabelValues(run.Type).Inc()
	r.Log.WarnContext(ctx, "task gave up", "type", run.Type, "task_id", run.TaskID, "attempt", run.Attempt, "err", cause)
	err := r.Engine.Do(ctx, func(w *Work) error {
		if onFailure != nil {
			if err := onFailure(ctx, w, run, cause); err != nil {
				return fmt.Errorf("record failure on entity: %w", err)
			}
		}
		w.Defer(markFailed, run.TaskID, truncate(cause.Error(), 2000))
		return nil
	})
	if err != nil {
		r.Log.ErrorContext(ctx, "recording a failed task", "type", run.Type, "task_id", run.TaskID, "err", err)
	}
}

func runOf(ctx context.Context, task *asynq.Task) Run {
	id, _ := asynq.GetTaskID(ctx)
	attempt, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	return Run{TaskID: id, Type: task.Type(), Attempt: attempt, MaxRetry: maxRetry, Payload: task.Payload()}
}
