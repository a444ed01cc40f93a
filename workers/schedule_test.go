package workers_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/hibiken/asynq"
	"github.com/robfig/cron/v3"
	"github.com/stretchr/testify/require"
)

// TestMatchTickDeliveredTwiceStartsOneRound: the tick's handler keys the
// round by the schedule's latest tick, so a repeated or late delivery in
// the same window starts nothing, even once the window's round is over;
// the next window starts the next round.
func TestMatchTickDeliveredTwiceStartsOneRound(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	ctx := context.Background()
	schedule, err := cron.ParseStandard("0 2 * * *")
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 2, 0, 1, 0, time.UTC)
	s := &app.MatchScheduler{App: e.app, Schedule: schedule, Log: silentLogger(), Now: func() time.Time { return now }}
	tick := asynq.NewTask(app.TypeMatchTick, nil)

	require.NoError(t, s.ProcessTask(ctx, tick))
	require.NoError(t, s.ProcessTask(ctx, tick), "the same tick again")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM match_rounds WHERE scheduled_for = ?`, time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)))

	// The round finishes; a delivery later in the same window still starts nothing.
	require.NoError(t, e.schema.DB.Exec(`UPDATE match_rounds SET status = 'done'`).Error)
	now = now.Add(40 * time.Minute)
	require.NoError(t, s.ProcessTask(ctx, tick))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM match_rounds`))

	now = now.Add(24 * time.Hour) // the next night's tick
	require.NoError(t, s.ProcessTask(ctx, tick))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM match_rounds`))
	require.Equal(t, 2, e.count(`SELECT count(*) FROM `+e.tasks+` WHERE task_type = 'internship:match'`),
		"each round's task went through the outbox")
}

// TestTwoAsynqSchedulersOneRoundPerWindow runs two Asynq schedulers (two
// worker processes) on a one-second schedule, with a worker handling the
// ticks and rounds finishing at once: both schedulers show as entries (what
// Asynqmon's Schedulers tab lists), and each window gets at most one round
// however many ticks were delivered.
func TestTwoAsynqSchedulersOneRoundPerWindow(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	const spec = "@every 1s"
	schedule, err := cron.ParseStandard(spec)
	require.NoError(t, err)
	for range 2 {
		sched := asynq.NewScheduler(e.redis.Opt, &asynq.SchedulerOpts{LogLevel: asynq.ErrorLevel, HeartbeatInterval: 500 * time.Millisecond})
		_, err := sched.Register(spec, asynq.NewTask(app.TypeMatchTick, nil), app.MatchTickOptions(schedule, time.Now())...)
		require.NoError(t, err)
		require.NoError(t, sched.Start())
		t.Cleanup(sched.Shutdown)
	}
	var delivered atomic.Int64
	handler := &app.MatchScheduler{App: e.app, Schedule: schedule, Log: silentLogger()}
	srv := asynq.NewServer(e.redis.Opt, asynq.Config{Concurrency: 4, LogLevel: asynq.ErrorLevel,
		Queues: map[string]int{"critical": 1}, TaskCheckInterval: 50 * time.Millisecond})
	mux := asynq.NewServeMux()
	mux.HandleFunc(app.TypeMatchTick, func(ctx context.Context, task *asynq.Task) error {
		delivered.Add(1)
		if err := handler.ProcessTask(ctx, task); err != nil {
			return err
		}
		// The round runs at once: only the window's key stands in the way of the next.
		return e.schema.DB.Exec(`UPDATE match_rounds SET status = 'done' WHERE status = 'queued'`).Error
	})
	require.NoError(t, srv.Start(mux))
	t.Cleanup(srv.Shutdown)

	start := time.Now()
	time.Sleep(4500 * time.Millisecond)
	entries, err := e.inspector.SchedulerEntries()
	require.NoError(t, err)
	require.Len(t, entries, 2, "both schedulers are listed")
	srv.Shutdown()
	windows := int(time.Since(start)/time.Second) + 2

	rounds := e.count(`SELECT count(*) FROM match_rounds`)
	distinct := e.count(`SELECT count(DISTINCT scheduled_for) FROM match_rounds`)
	t.Logf("%d ticks delivered, %d rounds over about %d windows", delivered.Load(), rounds, windows)
	require.Equal(t, rounds, distinct, "one round per window")
	require.GreaterOrEqual(t, rounds, 3, "the schedule ran")
	require.LessOrEqual(t, rounds, windows, "never more rounds than windows")
}
