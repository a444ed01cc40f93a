package api

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/workflows"
)

// direct prepares a submission for direct dispatch: the returned ctx
// carries a workflows.Pending, so the outbox rows the submission writes are
// claimed in its own transaction, and flush hands them to Asynq once it
// committed. That saves the second transaction of dispatch (claim the rows
// FOR UPDATE, then mark them: four round trips to Postgres per
// submission), which the profile of POST /onboarding showed as the largest
// cost after the submission itself. Call flush only after a commit; after a
// rollback, do not. Without a relay, or while the fast path rests after a
// failure, ctx comes back as it was and flush does nothing: the relay's
// sweep dispatches. Rows that Asynq refuses are released to the sweep by
// Flush; rows of a process that dies before flushing are found by the
// reconciler.
func (s *server) direct(ctx context.Context) (_ context.Context, flush func()) {
	if s.relay == nil || time.Since(time.Unix(0, s.dispatchFailedAt.Load())) < dispatchPause {
		return ctx, func() {}
	}
	ctx, pending := workflows.WithPending(ctx)
	return ctx, func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if err := s.relay.Flush(fctx, pending); err != nil {
			s.dispatchFailedAt.Store(time.Now().UnixNano())
			s.log.WarnContext(ctx, "direct dispatch failed; the relay will retry", "err", err)
		}
	}
}

// dispatchPause is how long the fast path rests after a failure, so that a
// Redis outage does not slow every submission down.
const dispatchPause = 5 * time.Second
