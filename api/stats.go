package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// StatsResponse is GET /admin/stats.
type StatsResponse struct {
	// Workflows counts entities by workflow and state.
	Workflows map[string]map[string]int64 `json:"workflows"`
	Outbox    OutboxStats                 `json:"outbox"`
	// Queues is Asynq's view per queue; absent when Redis does not answer.
	Queues map[string]QueueStats `json:"queues,omitempty"`
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

// workflowTables maps each workflow to the table holding its state. Stats
// read the counts that triggers keep per table (migration 00007): a
// workflow added here needs the same three triggers on its table, created
// by its own migration with the workflow's name as argument
// (TestEveryStatsTableIsCounted checks).
var workflowTables = map[string]string{
	"onboarding":  "student_profiles",
	"enrollment":  "enrollments",
	"certificate": "certificates",
	"internship":  "internship_applications",
	"shop":        "shops",
	"fund":        "fund_applications",
}

// compactStatsAbove is the number of appended state-count deltas beyond
// which a stats call folds them (models.CompactStateCounts) after reading.
const compactStatsAbove = 1000

func (s *server) stats(c echo.Context) error {
	ctx := c.Request().Context()
	db := s.db.WithContext(ctx)
	out := StatsResponse{Workflows: map[string]map[string]int64{}}
	for name := range workflowTables {
		out.Workflows[name] = map[string]int64{}
	}
	counts, deltas, err := models.StateCounts(ctx, s.db)
	if err != nil {
		return err
	}
	for _, sc := range counts {
		if m, ok := out.Workflows[sc.Workflow]; ok {
			m[sc.State] = sc.N
		}
	}
	if deltas > compactStatsAbove {
		if _, err := models.CompactStateCounts(ctx, s.db); err != nil {
			s.log.WarnContext(ctx, "admin stats: folding state counts", "err", err)
		}
	}
	var ob struct {
		Undispatched, InFlight, Failed int64
		OldestAge                      *float64
	}
	err = db.Raw(`SELECT
		(SELECT count(*) FROM outbox WHERE dispatched_at IS NULL) AS undispatched,
		(SELECT count(*) FROM outbox WHERE dispatched_at IS NOT NULL AND failed_at IS NULL) AS in_flight,
		(SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL) AS failed,
		(SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE dispatched_at IS NULL) AS oldest_age`).Scan(&ob).Error
	if err != nil {
		return err
	}
	out.Outbox = OutboxStats{Undispatched: ob.Undispatched, InFlight: ob.InFlight, Failed: ob.Failed, RecentFailures: []FailedTask{}}
	if ob.OldestAge != nil {
		out.Outbox.OldestUndispatchedAgeSeconds = *ob.OldestAge
	}
	err = db.Raw(`SELECT id AS task_id, task_type AS type, queue, coalesce(last_error, '') AS error, failed_at
		FROM outbox WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT 20`).
		Scan(&out.Outbox.RecentFailures).Error
	if err != nil {
		return err
	}
	if s.inspector != nil {
		out.Queues = map[string]QueueStats{}
		for q := range workflows.QueueWeights {
			info, err := s.inspector.GetQueueInfo(q)
			if err != nil {
				continue // an empty or unreachable queue: Postgres still tells the truth above
			}
			out.Queues[q] = QueueStats{Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
				Retry: info.Retry, Archived: info.Archived}
		}
	}
	return c.JSON(http.StatusOK, out)
}
