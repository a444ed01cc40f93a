package workflows

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// Advance records a transition and, in the same statement, the in-app
// notification of the entity's owner, so the two are written exactly once
// with the state change. With e-mail on (WithEmail), it also enqueues
// notify:send to e-mail that notification, and returns the task's outbox
// id; otherwise it returns "".
func Advance(ctx context.Context, tx *gorm.DB, m Machine, ownerID string, tr Transition) (string, error) {
	ev, err := newEvent(m, tr)
	if err != nil {
		return "", err
	}
	title, body := NotificationText(m.Entity, tr.To, tr.Reason)
	args := append(eventValues(ev), models.NewID(), ownerID, m.Entity, tr.EntityID, title, body)
	const insert = `WITH ev AS (` + insertEvent + ` RETURNING id)
		INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, title, body)
		SELECT ?, ?, ev.id, ?, ?, ?, ? FROM ev`
	if !emailOn(ctx) {
		// Nothing needs the event's id: a deferred write (see Defer).
		if err := Defer(ctx, tx, insert, args...); err != nil {
			return "", fmt.Errorf("record %s %s→%s and notify: %w", m.Entity, tr.From, tr.To, err)
		}
		return "", nil
	}
	var eventID int64
	if err := tx.WithContext(ctx).Raw(insert+` RETURNING event_id`, args...).Row().Scan(&eventID); err != nil {
		return "", fmt.Errorf("record %s %s→%s and notify: %w", m.Entity, tr.From, tr.To, err)
	}
	return Enqueue(ctx, tx, NewNotifySendTask(eventID, ownerID))
}

type emailKey struct{}

// WithEmail marks ctx so that Advance also enqueues the e-mail delivery of
// each notification. The API and the workers set it when SMTP_URL is set.
func WithEmail(ctx context.Context) context.Context {
	return context.WithValue(ctx, emailKey{}, true)
}

func emailOn(ctx context.Context) bool {
	on, _ := ctx.Value(emailKey{}).(bool)
	return on
}
