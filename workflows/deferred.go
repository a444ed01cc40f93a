package workflows

import (
	"context"

	"gorm.io/gorm"
)

// Deferrer is a transaction that can hold writes back and send them with its
// COMMIT, in the same round trip. The task runner's transactions are
// Deferrers; in any other transaction a deferred write runs at once.
type Deferrer interface {
	// Defer queues sql (with ? placeholders) and its arguments; they run,
	// in the order queued, just before the transaction commits.
	Defer(sql string, args ...any)
}

// Defer runs a write whose result its caller does not need: appending an
// event, a notification or an outbox row. In a task's transaction it is sent
// with the commit, which saves a round trip to Postgres; an error it raises
// fails the commit, and the task is retried. Statements that run after it in
// the same transaction do not see its row, so only writes that nothing later
// in the transaction reads belong here.
func Defer(ctx context.Context, tx *gorm.DB, sql string, args ...any) error {
	if d, ok := tx.Statement.ConnPool.(Deferrer); ok {
		d.Defer(sql, args...)
		return nil
	}
	return tx.WithContext(ctx).Exec(sql, args...).Error
}
