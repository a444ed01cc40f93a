package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/attribute"
	"gorm.io/gorm"
)

// completeTask completes the task by deleting its outbox row, or raises
// notCompletable when there is none (migration 00009). Sent before anything
// else in the step's transaction, it also takes the row's lock for the whole
// transaction: a duplicate delivery waits on it, then finds no row, and its
// transaction aborts.
const completeTask = `SELECT complete_task($1)`

// notCompletable is the SQLSTATE complete_task raises when the row is gone:
// an earlier delivery completed the task.
const notCompletable = "CB001"

// isNotCompletable reports whether err is complete_task's refusal.
func isNotCompletable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == notCompletable
}

// errRolledBack reports a COMMIT that Postgres answered with ROLLBACK: a
// statement inside the transaction had failed.
var errRolledBack = errors.New("commit: the transaction had failed and was rolled back")

// pipeTx is the transaction of one unit of work, on one dedicated
// connection, sent in as few round trips as pgx pipelines allow. BEGIN (and,
// for a task, the outbox completion) wait for the first statement and
// travel with it; the deferred writes (Work.Defer) travel with COMMIT. A unit
// whose writes are all deferred costs one round trip in all: BEGIN, the
// completion, its writes and COMMIT in one pipeline. database/sql would take
// a round trip for each.
//
// GORM sees a pipeTx as a transaction (it is a gorm.TxCommitter), so a
// nested Transaction becomes a savepoint. A connection is never reused
// inside a transaction: pgx's ResetSession discards a pooled connection
// that is not idle.
type pipeTx struct {
	conn *sql.Conn
	// taskID, when set, is the task whose outbox row the transaction
	// completes first.
	taskID string
	begun  bool  // BEGIN (and the completion) were sent
	lead   error // how they failed, if they did
	later  []deferredWrite
}

// deferredWrite is a statement (with $n placeholders) held for the commit.
type deferredWrite struct {
	sql  string
	args []any
}

// beginPipe takes a connection from db's pool and returns the transaction
// and the GORM handle whose statements run inside it; taskID, when not
// empty, is the task it completes. Nothing is sent yet. End it with commit
// or rollback.
func beginPipe(ctx context.Context, db *gorm.DB, taskID string) (*pipeTx, *gorm.DB, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: take a connection: %w", err)
	}
	tx := &pipeTx{conn: conn, taskID: taskID}
	gtx := db.Session(&gorm.Session{Context: ctx, NewDB: true})
	gtx.Statement.ConnPool = tx
	return tx, gtx, nil
}

// queueLead adds BEGIN and, for a task, its completion to batch.
func (t *pipeTx) queueLead(batch *pgx.Batch) int {
	batch.Queue("BEGIN")
	if t.taskID == "" {
		return 1
	}
	batch.Queue(completeTask, t.taskID)
	return 2
}

// begin sends the lead, once, before the first statement. If it fails, the
// transaction is aborted and every statement after fails too; lead says why.
func (t *pipeTx) begin(ctx context.Context) {
	if t.begun {
		return
	}
	t.begun = true
	end := sqlSpan(ctx, "begin", attribute.Bool("campusbiz.completes_task", t.taskID != ""))
	defer func() { end(t.lead) }()
	t.lead = t.conn.Raw(func(driverConn any) error {
		batch := &pgx.Batch{}
		n := t.queueLead(batch)
		results := driverConn.(*stdlib.Conn).Conn().SendBatch(ctx, batch)
		err := execAll(results, n)
		if cerr := results.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// defer holds a write ($n placeholders) for the commit.
func (t *pipeTx) hold(sql string, args []any) {
	t.later = append(t.later, deferredWrite{sql: sql, args: args})
}

// commit sends what is still held (the lead if no statement has run, then
// the deferred writes) with COMMIT in one round trip, and gives the
// connection back to the pool. If anything fails, nothing commits; a refused
// completion comes back as complete_task's error.
func (t *pipeTx) commit(ctx context.Context) error {
	defer t.conn.Close()
	if t.lead != nil {
		t.abort(ctx)
		return t.lead
	}
	if !t.begun && len(t.later) == 0 && t.taskID == "" {
		return nil // nothing was asked of the database
	}
	return t.conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		batch := &pgx.Batch{}
		lead := 0
		if !t.begun {
			lead = t.queueLead(batch)
		}
		for _, w := range t.later {
			batch.Queue(w.sql, w.args...)
		}
		batch.Queue("COMMIT")
		results := pc.SendBatch(ctx, batch)
		err := execAll(results, lead)
		if err == nil {
			if err = execAll(results, len(t.later)); err != nil {
				err = fmt.Errorf("deferred write: %w", err)
			}
		}
		if err == nil {
			var tag pgconn.CommandTag
			if tag, err = results.Exec(); err == nil && tag.String() == "ROLLBACK" {
				err = errRolledBack
			}
		}
		if cerr := results.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("commit: %w", cerr)
		}
		if err != nil {
			rollbackConn(ctx, pc)
		}
		return err
	})
}

// rollback ends the transaction without committing and gives the
// connection back to the pool.
func (t *pipeTx) rollback(ctx context.Context) {
	defer t.conn.Close()
	t.abort(ctx)
}

// abort rolls back whatever was sent.
func (t *pipeTx) abort(ctx context.Context) {
	if !t.begun {
		return
	}
	_ = t.conn.Raw(func(driverConn any) error {
		rollbackConn(ctx, driverConn.(*stdlib.Conn).Conn())
		return nil
	})
}

// rollbackConn rolls back pc's open transaction, if any; a connection whose
// rollback fails is closed, never reused.
func rollbackConn(ctx context.Context, pc *pgx.Conn) {
	ctx = context.WithoutCancel(ctx)
	if pc.IsClosed() || pc.PgConn().TxStatus() == 'I' {
		return
	}
	if _, err := pc.Exec(ctx, "ROLLBACK"); err != nil {
		_ = pc.Close(ctx)
	}
}

// execAll reads the results of the next n statements of a batch.
func execAll(results pgx.BatchResults, n int) error {
	for range n {
		if _, err := results.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// Commit implements gorm.TxCommitter; the unit of work calls commit.
func (t *pipeTx) Commit() error { return t.commit(context.Background()) }

// Rollback implements gorm.TxCommitter; the unit of work calls rollback.
func (t *pipeTx) Rollback() error {
	t.rollback(context.Background())
	return nil
}

// PrepareContext implements gorm.ConnPool.
func (t *pipeTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (t *pipeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (t *pipeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool. After a failed lead the query
// fails in the aborted transaction.
func (t *pipeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.begin(ctx)
	return t.conn.QueryRowContext(ctx, query, args...)
}
