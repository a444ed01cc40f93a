package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/labstack/echo/v4"
)

// StatsResponse is GET /admin/stats.
type StatsResponse struct {
	// Workflows counts entities by workflow and state.
	Workflows map[string]map[string]int64 `json:"workflows"`
	Outbox    OutboxStats                 `json:"outbox"`
	// Queues is Asynq's view per queue; absent when Redis does not answer.
	Queues map[string]QueueStats `json:"queues,omitempty"`
	// Fairness is each fairness key's (college id's; "" for work of no
	// college) weight, tasks waiting for admission and tasks in flight: the
	// busiest ten, then "other"; absent without fair dispatch.
	Fairness []engine.KeyLoad `json:"fairness,omitempty"`
}

// OutboxStats is the engine's backlog.
type OutboxStats struct {
	Undispatched int64 `json:"undispatched"`
	InFlight     int64 `json:"in_flight"`
	// Failed rows gave up (archived in Asynq) and wait for ops.
	Failed                       int64        `json:"failed"`
	OldestUndispatchedAgeSeconds float64      `json:"oldest_undispatched_age_seconds"`
	RecentFailures               []FailedTask `json:"recent_failures"`
}

// FailedTask is an outbox row whose task gave up.
type FailedTask struct {
	TaskID   string    `json:"task_id"`
	Type     string    `json:"type"`
	Queue    string    `json:"queue"`
	Error    string    `json:"error"`
	FailedAt time.Time `json:"failed_at"`
}

// QueueStats is one Asynq queue.
type QueueStats struct {
	Pending   int `json:"pending"`
	Active    int `json:"active"`
	Scheduled int `json:"scheduled"`
	Retry     int `json:"retry"`
	Archived  int `json:"archived"`
}

func (s *server) stats(c echo.Context) error {
	st, err := s.app.Stats(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	out := StatsResponse{Workflows: st.Workflows, Fairness: st.Fairness, Outbox: OutboxStats{
		Undispatched: st.Outbox.Undispatched, InFlight: st.Outbox.InFlight, Failed: st.Outbox.Failed,
		OldestUndispatchedAgeSeconds: st.Outbox.OldestUndispatchedAge.Seconds(), RecentFailures: []FailedTask{},
	}}
	for _, f := range st.Outbox.RecentFailures {
		out.Outbox.RecentFailures = append(out.Outbox.RecentFailures, FailedTask{TaskID: f.TaskID, Type: f.Type,
			Queue: f.Queue, Error: f.Error, FailedAt: f.FailedAt.UTC()})
	}
	if st.Queues != nil {
		out.Queues = map[string]QueueStats{}
		for q, info := range st.Queues {
			out.Queues[q] = QueueStats{Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
				Retry: info.Retry, Archived: info.Archived}
		}
	}
	return c.JSON(http.StatusOK, out)
}
