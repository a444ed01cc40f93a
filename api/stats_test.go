package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/stretchr/testify/require"
)

func TestAdminStatsReportBacklogAndFailures(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := a.user(models.RoleAdmin)
	_, applicant := a.user(models.RoleApplicant)
	body, _ := onboardingBody(t, a)
	require.Equal(t, http.StatusAccepted, a.do(http.MethodPost, "/api/v1/onboarding", applicant, body).Status)
	ctx := context.Background()
	// A task that gave up: enqueued by a unit of work (left to the relay),
	// dispatched, then marked failed as the engine's runner does when a
	// task is archived.
	var failedID string
	require.NoError(t, fixtures.Engine(a.schema.DB, nil).Do(ctx, func(w *engine.Work) error {
		var err error
		failedID, err = w.Enqueue(workflows.NewOnboardingVerifyTask(models.NewID(), 1))
		return err
	}))
	require.NoError(t, a.schema.DB.Exec(`UPDATE outbox SET dispatched_at = now() WHERE id = ?`, failedID).Error)
	require.NoError(t, a.schema.DB.Exec(`UPDATE outbox SET failed_at = now(), last_error = ? WHERE id = ?`, "archived: boom", failedID).Error)

	r := a.do(http.MethodGet, "/api/v1/admin/stats", admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	stats := r.JSON(t)
	require.Equal(t, map[string]any{"pending": float64(1)}, stats["workflows"].(map[string]any)["onboarding"])
	outbox := stats["outbox"].(map[string]any)
	require.Equal(t, float64(1), outbox["failed"])
	failures := outbox["recent_failures"].([]any)
	require.Len(t, failures, 1)
	require.Equal(t, failedID, failures[0].(map[string]any)["task_id"])
	require.Equal(t, "archived: boom", failures[0].(map[string]any)["error"])
	// The submission's task reached Redis through the fast path.
	require.Equal(t, float64(0), outbox["undispatched"])
	require.Equal(t, float64(1), outbox["in_flight"])
}
