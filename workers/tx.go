package workers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// errRolledBack reports a COMMIT that Postgres answered with ROLLBACK: a
// statement inside the transaction had failed.
var errRolledBack = errors.New("commit: the transaction had failed and was rolled back")

// leadTx is a transaction on one dedicated connection whose BEGIN travels
// with the transaction's first statement in a single round trip (a pgx
// pipeline), instead of a round trip of its own as database/sql's BeginTx
// takes. GORM sees it as a transaction (it is a gorm.TxCommitter), so a
// step's nested Transaction becomes a savepoint.
//
// If anything goes wrong the connection is not reused in a transaction:
// pgx's ResetSession discards a pooled connection that is not idle.
type leadTx struct {
	conn *sql.Conn
}

// beginWith takes a connection from db's pool and runs BEGIN and lead (one
// statement with its arguments) in one round trip. It returns the
// transaction, lead's command tag, and the GORM handle whose statements run
// inside it. The caller must end it with Commit or Rollback.
func beginWith(ctx context.Context, db *gorm.DB, lead string, args ...any) (*leadTx, pgconn.CommandTag, *gorm.DB, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, pgconn.CommandTag{}, nil, fmt.Errorf("begin: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, pgconn.CommandTag{}, nil, fmt.Errorf("begin: take a connection: %w", err)
	}
	var tag pgconn.CommandTag
	err = conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		batch := &pgx.Batch{}
		batch.Queue("BEGIN")
		batch.Queue(lead, args...)
		results := pc.SendBatch(ctx, batch)
		if _, err := results.Exec(); err != nil {
			results.Close()
			return err
		}
		var err error
		tag, err = results.Exec()
		if cerr := results.Close(); err == nil {
			err = cerr
		}
		return err
	})
	tx := &leadTx{conn: conn}
	if err != nil {
		tx.Rollback()
		return nil, pgconn.CommandTag{}, nil, fmt.Errorf("begin: %w", err)
	}
	gtx := db.Session(&gorm.Session{Context: ctx, NewDB: true})
	gtx.Statement.ConnPool = tx
	return tx, tag, gtx, nil
}

// Commit commits and gives the connection back to the pool.
func (t *leadTx) Commit() error {
	defer t.conn.Close()
	return t.conn.Raw(func(driverConn any) error {
		tag, err := driverConn.(*stdlib.Conn).Conn().Exec(context.Background(), "COMMIT")
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		if tag.String() == "ROLLBACK" {
			return errRolledBack
		}
		return nil
	})
}

// Rollback rolls back and gives the connection back to the pool; a
// connection whose rollback failed is closed rather than reused.
func (t *leadTx) Rollback() error {
	defer t.conn.Close()
	return t.conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		if pc.IsClosed() || pc.PgConn().TxStatus() == 'I' {
			return nil
		}
		if _, err := pc.Exec(context.Background(), "ROLLBACK"); err != nil {
			pc.Close(context.Background())
			return fmt.Errorf("rollback: %w", err)
		}
		return nil
	})
}

// PrepareContext implements gorm.ConnPool.
func (t *leadTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.conn.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (t *leadTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext implements gorm.ConnPool.
func (t *leadTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (t *leadTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.conn.QueryRowContext(ctx, query, args...)
}
