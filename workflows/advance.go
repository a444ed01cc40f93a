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

// NotifyReviewers tells the reviewer of each of reviews, in the app, that a
// fund application awaits their review and when it is due. Call it after the
// application's move to in_review was recorded in tx (Advance): each
// notification refers to that event. Deferred writes (see Defer); reviewers
// get no e-mail.
func NotifyReviewers(ctx context.Context, tx *gorm.DB, applicationID string, reviews []models.FundReview) error {
	for _, r := range reviews {
		body := fmt.Sprintf("A fund application awaits your review, due by %s.", r.DueAt.UTC().Format("2006-01-02 15:04 UTC"))
		err := Defer(ctx, tx, `INSERT INTO notifications (id, account_id, event_id, entity_type, entity_id, title, body)
			SELECT ?, ?, max(id), 'fund', ?, 'Fund application to review', ? FROM workflow_events
			WHERE entity_id = ? AND to_state = ?`,
			models.NewID(), r.ReviewerID, applicationID, body, applicationID, FundInReview)
		if err != nil {
			return fmt.Errorf("notify reviewer %s of %s: %w", r.ReviewerID, applicationID, err)
		}
	}
	return nil
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
