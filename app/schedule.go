package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"
)

// TypeMatchTick is the task Asynq's scheduler enqueues at each tick of
// MATCH_SCHEDULE. It is not an outbox task: its handler (MatchScheduler)
// only opens the unit of work that writes the round and its
// internship:match task to the outbox.
const TypeMatchTick = "internship:schedule"

// MatchScheduler starts the matching round of a schedule's tick. Every
// worker process runs an Asynq scheduler (visible in Asynqmon's Schedulers
// tab) that enqueues TypeMatchTick at each tick, and handles the task with
// ProcessTask. No leader is elected: a tick's round is keyed by the tick's
// time (match_rounds.scheduled_for is unique), so however many schedulers
// enqueue the tick, and however often it is delivered, one round starts,
// and never while another round is queued or running. MatchTickOptions
// also makes Asynq drop most duplicate ticks before they are queued.
type MatchScheduler struct {
	// App starts the rounds.
	App *App
	// Schedule gives the ticks (config.Config.MatchCron).
	Schedule cron.Schedule
	Log      *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// ProcessTask handles a TypeMatchTick delivery: it starts the round of the
// latest tick at or before now. A tick whose round exists already, or that
// finds another round active, does nothing and succeeds.
func (s *MatchScheduler) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	_, err := s.Tick(ctx, LastTick(s.Schedule, s.now()))
	return err
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

// MatchTickOptions are the Asynq options the scheduler enqueues
// TypeMatchTick with: the critical queue, a few retries, and uniqueness
// for half the interval after now, so that of several schedulers firing
// the same tick one task is queued (the round's key makes the others
// harmless anyway).
func MatchTickOptions(schedule cron.Schedule, now time.Time) []asynq.Option {
	next := schedule.Next(now)
	ttl := min(max(schedule.Next(next).Sub(next)/2, time.Second), 10*time.Minute)
	return []asynq.Option{asynq.Queue(engine.QueueCritical), asynq.MaxRetry(5), asynq.Unique(ttl)}
}

// LastTick is the latest tick of schedule at or before now, the window a
// late or repeated delivery belongs to. An @every schedule ticks at the
// multiples of its interval.
func LastTick(schedule cron.Schedule, now time.Time) time.Time {
	now = now.Truncate(time.Second) // cron's resolution
	if every, ok := schedule.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(every.Delay)
	}
	for _, back := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		t := schedule.Next(now.Add(-back))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := schedule.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return now // no tick in the last year: the delivery is its own window
}
