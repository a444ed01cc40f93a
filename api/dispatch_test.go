package api_test

import (
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

// A submission's task reaches Asynq straight from the request, claimed in
// the submission's own transaction (no relay round trip), under its outbox
// id; a refused submission (rolled back) sends nothing.
func TestSubmissionDispatchesDirectly(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	inspector := asynq.NewInspector(a.redis.Opt)
	t.Cleanup(func() { _ = inspector.Close() })
	_, token := a.user(models.RoleApplicant)
	body, _ := onboardingBody(t, a)
	r := a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))

	var row models.OutboxRow
	require.NoError(t, a.schema.DB.Where("task_type = ?", workflows.TypeOnboardingVerify).First(&row).Error)
	require.NotNil(t, row.DispatchedAt, "claimed in the submission's transaction")
	require.Equal(t, 1, row.DispatchCount)
	// Written once, by the submission's transaction: no second transaction
	// (the relay's claim and mark) touched the row.
	var sameTx bool
	require.NoError(t, a.schema.DB.Raw(`SELECT (SELECT xmin::text FROM outbox WHERE id = ?) =
		(SELECT xmin::text FROM student_profiles LIMIT 1)`, row.ID).Scan(&sameTx).Error)
	require.True(t, sameTx)
	info, err := inspector.GetTaskInfo(engine.QueueCritical, row.ID)
	require.NoError(t, err, "the task is in Asynq under the outbox id")
	require.Equal(t, workflows.TypeOnboardingVerify, info.Type)

	// A second profile is refused (409): its transaction rolled back and
	// nothing more reached Asynq.
	r = a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	q, err := inspector.GetQueueInfo(engine.QueueCritical)
	require.NoError(t, err)
	require.Equal(t, 1, q.Size)
	require.Equal(t, 1, a.count(`SELECT count(*) FROM outbox`))
}
