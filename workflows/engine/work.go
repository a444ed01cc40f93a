package engine

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"gorm.io/gorm"
)

// Engine runs units of work: a use case's or a task step's transaction, the
// follow-up tasks and notifications it writes, its commit, and the dispatch
// of those tasks to Asynq right after the commit. Every write of campusbiz
// that starts or advances a workflow goes through Engine.Do or a task's
// step (Runner), so the outbox promise is kept in one place.
type Engine struct {
	// DB is the source of truth.
	DB *gorm.DB
	// Client hands committed tasks to Asynq at once; nil leaves them to the
	// relay's sweep.
	Client *asynq.Client
	// Tasks holds the options (queue, retries, timeout) of every task type
	// that may be enqueued: the registry's Options.
	Tasks map[string]Options
	// Email makes every notification also enqueue its e-mail delivery
	// (notify:send); set it when SMTP is configured.
	Email bool
	// Log receives dispatch failures; nil: they are not logged.
	Log *slog.Logger
	// Fair turns fair dispatch on: tasks with a fairness key are written
	// waiting and admitted to Asynq by the fair admitter (Fairness), per
	// key, instead of by their unit of work. Default-key tasks are
	// dispatched as before.
	Fair bool
	// Wake, when set, is called after each task step commits (the fair
	// admitter's Nudge: a slot may have come free).
	Wake func()

	// dispatchFailedAt is when direct dispatch last failed (Unix ns).
	dispatchFailedAt atomic.Int64
}

// dispatchPause is how long direct dispatch rests after a failure, so that
// a Redis outage does not slow every unit of work down; meanwhile the
// relay's sweep dispatches.
const dispatchPause = 5 * time.Second

// Work is one unit of work: a transaction on one connection, and the
// follow-up tasks and notifications written in it. Use DB for reads and
// writes whose results the unit needs, and Defer for writes it does not
// read back; Enqueue, Record, Advance and Notify write the engine's rows.
type Work struct {
	ctx    context.Context
	engine *Engine
	tx     *pipeTx
	db     *gorm.DB
	// direct: rows are written claimed and dispatched after commit.
	direct  bool
	claimed []models.OutboxRow
}

// Do runs fn as one unit of work: fn's statements in one transaction, then
// commit, then the dispatch of the tasks fn enqueued. When fn fails, or the
// commit does, nothing is written and nothing dispatched, and the error
// comes back as it was. A failed dispatch is only logged: the relay's sweep
// hands those tasks on.
func (e *Engine) Do(ctx context.Context, fn func(w *Work) error) error {
	w, err := e.begin(ctx, "")
	if err != nil {
		return err
	}
	defer w.recoverRollback()
	if err := fn(w); err != nil {
		w.tx.rollback(ctx)
		return err
	}
	if err := ctx.Err(); err != nil {
		w.tx.rollback(ctx)
		return fmt.Errorf("before commit: %w", err) // as database/sql does: a cancelled transaction never commits
	}
	if err := w.commit(ctx); err != nil {
		return err
	}
	w.dispatch()
	return nil
}

// begin opens a unit of work; taskID names the task whose outbox row it
// completes first ("" for a use case).
func (e *Engine) begin(ctx context.Context, taskID string) (*Work, error) {
	tx, db, err := beginPipe(ctx, e.DB, taskID)
	if err != nil {
		return nil, err
	}
	direct := e.Client != nil && time.Since(time.Unix(0, e.dispatchFailedAt.Load())) >= dispatchPause
	return &Work{ctx: ctx, engine: e, tx: tx, db: db, direct: direct}, nil
}

// directFor reports whether row is dispatched by the unit after its commit
// (else the relay's sweep or the fair admitter hands it on).
func (w *Work) directFor(row models.OutboxRow) bool {
	return w.direct && !(w.engine.Fair && row.FairKey != "")
}

// recoverRollback gives the connection back when the unit panics, and
// panics on.
func (w *Work) recoverRollback() {
	if p := recover(); p != nil {
		w.tx.rollback(w.ctx) // never leave the connection out of the pool
		panic(p)
	}
}

// DB is the GORM handle whose statements run in the unit's transaction.
func (w *Work) DB() *gorm.DB { return w.db }

// Defer holds a write whose result the unit does not need ($1, $2, …
// placeholders, as Postgres takes them) and sends it with the COMMIT, in the
// same round trip. An error it raises fails the commit, and nothing is
// written. Statements that run after it in the same unit do not see its
// row, so only writes that nothing later in the unit reads belong here.
func (w *Work) Defer(sql string, args ...any) {
	w.tx.hold(sql, args)
}

// Exec runs a statement written for Postgres ($1, $2, …) in the unit's
// transaction now, for set-based writes GORM cannot express (unnest of
// arrays).
func (w *Work) Exec(sql string, args ...any) (stdsql.Result, error) {
	end := sqlSpan(w.ctx, "exec", attribute.String("db.query.text", sql))
	res, err := w.tx.ExecContext(w.ctx, sql, args...)
	end(err)
	return res, err
}

// Query runs a query written for Postgres ($1, $2, …) in the unit's
// transaction and returns its rows, for reads GORM cannot scan fast enough
// (a round's hundred thousand candidates). Close the rows.
func (w *Work) Query(sql string, args ...any) (*stdsql.Rows, error) {
	end := sqlSpan(w.ctx, "query", attribute.String("db.query.text", sql))
	rows, err := w.tx.QueryContext(w.ctx, sql, args...)
	end(err)
	return rows, err
}

// dispatch hands the rows claimed in the unit to Asynq after its commit.
// Rows Asynq did not take are released to the relay's sweep (dispatched_at
// cleared); if the process dies first, the reconciler finds them after its
// grace period.
func (w *Work) dispatch() {
	if len(w.claimed) == 0 {
		return
	}
	e := w.engine
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), time.Second)
	defer cancel()
	sent, err := enqueueOrRelease(ctx, e.DB, e.Client, "direct", w.claimed)
	if sent == len(w.claimed) {
		return
	}
	e.dispatchFailedAt.Store(time.Now().UnixNano())
	if e.Log != nil {
		e.Log.WarnContext(ctx, "direct dispatch failed; the relay will retry", "tasks", len(w.claimed)-sent, "err", err)
	}
}

// enqueueOrRelease hands rows marked dispatched by a committed transaction
// to Asynq, and releases the rows Asynq did not take (dispatched_at
// cleared) for the next sweep or round; it returns how many Asynq took. If
// the process dies before the release, the reconciler finds the rows after
// its grace period. path names the hand-over in the dispatch latency
// metric.
func enqueueOrRelease(ctx context.Context, db *gorm.DB, client *asynq.Client, path string, rows []models.OutboxRow) (int, error) {
	var failed []string
	var firstErr error
	for _, row := range rows {
		if err := EnqueueRow(ctx, client, row); err != nil {
			failed = append(failed, row.ID)
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		observeDispatch(path, row)
	}
	if len(failed) == 0 {
		return len(rows), nil
	}
	// The release has a budget of its own: a Redis that is down (the client
	// retrying its dials) uses up the dispatch's, and rows left claimed would
	// wait for the reconciler's grace period instead of the next sweep.
	releaseCtx, cancelRelease := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancelRelease()
	err := db.WithContext(releaseCtx).Exec(`UPDATE outbox SET dispatched_at = NULL, dispatch_count = dispatch_count - 1
		WHERE id IN ?`, failed).Error
	if err != nil {
		firstErr = fmt.Errorf("release %d undispatched rows: %w (after %w)", len(failed), err, firstErr)
	}
	return len(rows) - len(failed), firstErr
}

// IsUniqueViolation reports whether err, from GORM or from a deferred
// write, is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &pgErr) && pgErr.SQLState() == "23505")
}

// IsForeignKeyViolation reports whether err, from GORM or from a deferred
// write, is a foreign-key violation.
func IsForeignKeyViolation(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.Is(err, gorm.ErrForeignKeyViolated) || (errors.As(err, &pgErr) && pgErr.SQLState() == "23503")
}
