package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/robfig/cron/v3"
)

// MatchScheduler starts a matching round at every tick of a schedule. Every
// worker process may run one: a tick's round is keyed by the tick's time,
// so however many schedulers see it, one round starts, and never while
// another round is queued or running. The round itself goes through the
// outbox like any other work.
type MatchScheduler struct {
	// App starts the rounds.
	App *App
	// Schedule gives the ticks (config.Config.MatchCron).
	Schedule cron.Schedule
	Log      *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Run starts a round at each tick until ctx ends.
func (s *MatchScheduler) Run(ctx context.Context) error {
	for {
		now := s.now()
		next := s.Schedule.Next(now)
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if _, err := s.Tick(ctx, next); err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "match schedule: could not start the round", "tick", next, "err", err)
		}
	}
}

// Tick starts the round of the tick at. It reports false, without error,
// when the tick already has its round or another round is active.
func (s *MatchScheduler) Tick(ctx context.Context, at time.Time) (bool, error) {
	at = at.UTC()
	round, err := s.App.startRound(ctx, workflows.TriggerSchedule, nil, &at)
	if errors.Is(err, workflows.ErrConflict) {
		s.Log.InfoContext(ctx, "match schedule: no new round", "tick", at, "why", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.Log.InfoContext(ctx, "match schedule: round queued", "tick", at, "round_id", round.ID)
	return true, nil
}

func (s *MatchScheduler) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
