// Package workers runs campusbiz's Asynq tasks: the server set-up, the
// handler runner that gives every task exactly-once effects, and one handler
// file per task family.
package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
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
func (r Run) Transition(entityID, from, to, reason string) workflows.Transition {
	return workflows.Transition{
		EntityID: entityID, From: from, To: to, Reason: reason,
		Actor: workflows.ActorTask(r.Type), TaskID: r.TaskID, Attempt: r.Attempt,
	}
}

// LastAttempt reports whether a failure now would exhaust the retries.
func (r Run) LastAttempt() bool { return r.Attempt >= r.MaxRetry }

// Step does one task's work inside the runner's transaction: lock the entity,
// return nil if the step is no longer due, else apply the transition, record
// the event and enqueue follow-up work through the outbox. Errors marked
// workflows.Permanent are not retried.
type Step func(ctx context.Context, tx *gorm.DB, run Run) error

// Failure records on the entity why its task gave up (a permanent error, or
// the last retry failed). It runs in its own transaction.
type Failure func(ctx context.Context, tx *gorm.DB, run Run, cause error) error

// Runner wraps steps into Asynq handlers with exactly-once effects: the
// step's transaction deletes the task's outbox row before anything else,
// which locks it for the whole transaction, so duplicate deliveries
// serialise, and the second finds no row and commits nothing.
type Runner struct {
	// DB is the database the steps run against.
	DB *gorm.DB
	// Log receives one line per failure.
	Log *slog.Logger
	// Relay, when set, dispatches a step's follow-up tasks right after its
	// commit; without it they wait for the relay's sweep.
	Relay *workflows.Relay
	// Email makes steps enqueue the e-mail delivery of their notifications.
	Email bool
}

// errAlreadyDone stops a duplicate delivery without writing anything.
var errAlreadyDone = errors.New("task already completed")

// Handler turns step (and an optional onFailure) into an Asynq handler.
func (r *Runner) Handler(step Step, onFailure Failure) asynq.HandlerFunc {
	return func(ctx context.Context, task *asynq.Task) error {
		return r.Execute(ctx, runOf(ctx, task), step, onFailure)
	}
}

// Execute runs step for run in one transaction with the outbox row locked,
// completes the row, and classifies a failure: permanent errors and the
// last retry are recorded (onFailure, outbox row) and, when permanent,
// wrapped with asynq.SkipRetry.
func (r *Runner) Execute(ctx context.Context, run Run, step Step, onFailure Failure) error {
	if run.TaskID == "" {
		return fmt.Errorf("%s: no task id in context: %w", run.Type, asynq.SkipRetry)
	}
	stepCtx, pending := ctx, (*workflows.Pending)(nil)
	if r.Email {
		stepCtx = workflows.WithEmail(stepCtx)
	}
	if r.Relay != nil {
		stepCtx, pending = workflows.WithPending(stepCtx)
	}
	err := r.runStep(stepCtx, run, step)
	if err == nil && pending != nil {
		if ferr := r.Relay.Flush(ctx, pending); ferr != nil {
			r.Log.WarnContext(ctx, "dispatching follow-up tasks failed; the relay will retry", "task_id", run.TaskID, "err", ferr)
		}
	}
	switch {
	case err == nil, errors.Is(err, errAlreadyDone):
		return nil
	case ctx.Err() != nil:
		return err // shutting down or timed out: Asynq runs it again
	case workflows.IsPermanent(err):
		r.giveUp(ctx, run, err, onFailure)
		return fmt.Errorf("%s %s: %w: %w", run.Type, run.TaskID, err, asynq.SkipRetry)
	case run.LastAttempt():
		r.giveUp(ctx, run, err, onFailure)
	}
	return fmt.Errorf("%s %s: %w", run.Type, run.TaskID, err)
}

// runStep runs step in one transaction that completes run's outbox row
// before anything else (taskTx), and commits. A delivery whose row is gone
// (its task completed) commits nothing.
func (r *Runner) runStep(ctx context.Context, run Run, step Step) error {
	tx, gtx, err := beginTask(ctx, r.DB, run.TaskID)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.rollback(ctx) // never leave the connection out of the pool
			panic(p)
		}
	}()
	stepErr := step(ctx, gtx, run)
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
	if err := tx.commit(ctx); err != nil {
		if isNotCompletable(err) {
			return errAlreadyDone
		}
		return err
	}
	return nil
}

// completed reports whether run's task has completed (its outbox row is
// gone); on a lookup error it answers false, so the failure is handled.
func (r *Runner) completed(ctx context.Context, run Run) bool {
	var n int64
	err := r.DB.WithContext(ctx).Raw(`SELECT count(*) FROM outbox WHERE id = ?`, run.TaskID).Row().Scan(&n)
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
	r.Log.WarnContext(ctx, "task gave up", "type", run.Type, "task_id", run.TaskID, "attempt", run.Attempt, "err", cause)
	err := r.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if onFailure != nil {
			if err := onFailure(ctx, tx, run, cause); err != nil {
				return fmt.Errorf("record failure on entity: %w", err)
			}
		}
		return workflows.MarkFailed(ctx, tx, run.TaskID, cause.Error())
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
