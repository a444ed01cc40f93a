package api_test

import (
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// A stats call that reads many appended state-count deltas folds them, and
// the counts it reports stay the same before and after.
func TestAdminStatsFoldsManyDeltas(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := a.user(models.RoleAdmin)
	// 1,500 statements' worth of deltas: +2 then -1 verified onboardings each.
	require.NoError(t, a.schema.DB.Exec(`INSERT INTO workflow_state_deltas (workflow, state, n)
		SELECT 'onboarding', 'verified', CASE WHEN i % 2 = 0 THEN 2 ELSE -1 END FROM generate_series(1, 1500) i`).Error)
	read := func() any {
		r := a.do(http.MethodGet, "/api/v1/admin/stats", admin, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		return r.JSON(t)["workflows"].(map[string]any)["onboarding"]
	}
	require.Equal(t, map[string]any{"verified": float64(750)}, read())
	require.Zero(t, a.count(`SELECT count(*) FROM workflow_state_deltas`), "folded")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM workflow_state_counts WHERE workflow = 'onboarding'`))
	require.Equal(t, map[string]any{"verified": float64(750)}, read())
}
