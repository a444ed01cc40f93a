package workers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
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

// taskTx is the transaction of one task's step, on one dedicated connection,
// sent in as few round trips as pgx pipelines allow. BEGIN and the outbox
// completion wait for the step's first statement and travel together just
// before it; the deferred writes (workflows.Defer) travel with COMMIT. A step
// whose writes are all deferred costs one round trip in all: BEGIN, the
// completion, its writes and COMMIT in one pipeline. database/sql would take
// a round trip for each.
//
// GORM sees a taskTx as a transaction (it is a gorm.TxCommitter), so a step's
// nested Transaction becomes a savepoint. A connection is never reused inside
// a transaction: pgx's ResetSession discards a pooled connection that is not
// idle.
type taskTx struct {
	conn   *sql.Conn
	taskID string
	begun  bool  // BEGIN and the completion were sent
	lead   error // how they failed, if they did
	later  []deferredWrite
}

// deferredWrite is a statement (with $n placeholders) held for the commit.
type deferredWrite struct {
	sql  string
	args []any
}

// beginTask takes a connection from db's pool for taskID's step and returns
// the transaction and the GORM handle whose statements run inside it.
// Nothing is sent yet. End it with commit or rollback.
func beginTask(ctx context.Context, db *gorm.DB, taskID string) (*taskTx, *gorm.DB, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: take a connection: %w", err)
	}
	tx := &taskTx{conn: conn, taskID: taskID}
	gtx := db.Session(&gorm.Session{Context: ctx, NewDB: true})
	gtx.Statement.ConnPool = tx
	return tx, gtx, nil
}

// begin sends BEGIN and the completion, once, before the step's first
// statement. If they fail, the transaction is aborted and every statement
// after fails too; lead says why.
func (t *taskTx) begin(ctx context.Context) {
	if t.begun {
		return
	}
	t.begun = true
	t.lead = t.conn.Raw(func(driverConn any) error {
		batch := &pgx.Batch{}
		batch.Queue("BEGIN")
		batch.Queue(completeTask, t.taskID)
		results := driverConn.(*stdlib.Conn).Conn().SendBatch(ctx, batch)
		err := execAll(results, 2)
		if cerr := results.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// Defer implements workflows.Deferrer.
func (t *taskTx) Defer(sql string, args ...any) {
	t.later = append(t.later, deferredWrite{sql: numberPlaceholders(sql), args: args})
}

// commit sends what is still held (BEGIN and the completion if no statement
// has run, then the deferred writes) with COMMIT in one round trip, and gives
// the connection back to the pool. If anything fails, nothing commits; a
// refused completion comes back as complete_task's error.
func (t *taskTx) commit(ctx context.Context) error {
	defer t.conn.Close()
	if t.lead != nil {
		t.abort(ctx)
		return t.lead
	}
	return t.conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		batch := &pgx.Batch{}
		lead := !t.begun
		if lead {
			batch.Queue("BEGIN")
			batch.Queue(completeTask, t.taskID)
		}
		for _, w := range t.later {
			batch.Queue(w.sql, w.args...)
		}
		batch.Queue("COMMIT")
		results := pc.SendBatch(ctx, batch)
		var err error
		if lead {
			err = execAll(results, 2)
		}
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
func (t *taskTx) rollback(ctx context.Context) {
	defer t.conn.Close()
	t.abort(ctx)
}

// abort rolls back whatever was sent.
func (t *taskTx) abort(ctx context.Context) {
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

// Commit implements gorm.TxCommitter; the runner calls commit.
func (t *taskTx) Commit() error { return t.commit(context.Background()) }

// Rollback implements gorm.TxCommitter; the runner calls rollback.
func (t *taskTx) Rollback() error {
	t.rollback(context.Background())
	return nil
}

// PrepareContext implements gorm.ConnPool.
func (t *taskTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (t *taskTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (t *taskTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.begin(ctx); t.lead != nil {
		return nil, t.lead
	}
	return t.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool. After a failed lead the query
// fails in the aborted transaction.
func (t *taskTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.begin(ctx)
	return t.conn.QueryRowContext(ctx, query, args...)
}

// numberPlaceholders turns GORM's ? placeholders into Postgres' $1, $2, …,
// leaving quoted strings, quoted identifiers and comments alone.
func numberPlaceholders(sql string) string {
	var b strings.Builder
	b.Grow(len(sql) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			b.WriteString(sql[i : i+end])
			i += end - 1
			continue
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
