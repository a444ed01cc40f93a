package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/logging"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/stretchr/testify/require"
)

// logBuffer collects what the API and the workers log, safely for both.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsAndTaskPayloadsCarryNoPersonalData takes one student through
// every workflow with the production logger (debug level) shared by the API
// and in-process workers, then checks that the log holds none of the
// student's phone, student number, password or tokens, and that no task
// payload (in the outbox or in Redis) carries personal data: ids only.
func TestLogsAndTaskPayloadsCarryNoPersonalData(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	log := logging.New(logs, "debug")
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	a := newApp(t, func(d *appDeps) {
		d.API.Log, d.App.Log, d.App.Engine.Log = log, log, log
		d.App.Certificates = keys
	})
	a.startWorkers(func(d *workers.Deps) {
		d.Log, d.CertificateKeys, d.PublicBaseURL = log, keys, publicBase
		d.ShopVerification = workflows.ShopModeManual
	})
	db := a.schema.DB
	a.schema.KeepCompletedTasks(t)
	_, adminTok := a.user(models.RoleAdmin)
	reviewer, reviewerTok := a.reviewer()
	college, domain := fixtures.College(t, db)

	const (
		phone         = "13698765432"
		studentNumber = "2023775311"
		password      = "mY-s3cret-passphrase"
		name          = "欧阳娜娜"
		businessPlan  = "在校园里经营手作饰品网店，三个月内实现月销两万元"
	)
	email := fmt.Sprintf("nana-%s@example.com", a.schema.Name)
	collegeEmail := "nana@" + domain
	var tokens []string

	// Register, a wrong password, then sign in.
	r := a.do(http.MethodPost, "/api/v1/auth/register", "", map[string]any{"email": email, "password": password, "name": name})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, http.StatusUnauthorized, a.do(http.MethodPost, "/api/v1/auth/login", "",
		map[string]any{"email": email, "password": password + "x"}).Status)
	r = a.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	token := r.JSON(t)["token"].(string)
	tokens = append(tokens, token, adminTok, reviewerTok)

	// Onboarding: once with a bad field (a 422 that echoes nothing), then
	// for real.
	form := map[string]any{"college_id": college.ID, "student_number": studentNumber, "full_name": name,
		"enrollment_year": 2023, "major": "电子商务", "college_email": collegeEmail, "phone": phone}
	bad := map[string]any{}
	for k, v := range form {
		bad[k] = v
	}
	bad["phone"] = phone + "0"
	require.Equal(t, http.StatusUnprocessableEntity, a.do(http.MethodPost, "/api/v1/onboarding", token, bad).Status)
	r = a.do(http.MethodPost, "/api/v1/onboarding", token, form)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	a.confirmOnboarding(r.JSON(t)["id"].(string), token)

	// Shop, confirmed by an admin.
	r = a.do(http.MethodPost, "/api/v1/shops", token, map[string]any{"platform_shop_id": "nana-1",
		"shop_url": "https://nana.example.com/", "shop_name": "娜娜手作", "category": "crafts"})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	shopID := r.JSON(t)["id"].(string)
	r = a.do(http.MethodPost, "/api/v1/admin/shops/"+shopID+"/confirm", adminTok, map[string]any{"verified": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	// Fund application, reviewed, approved and paid.
	program := fixtures.FundProgram(t, db, []models.Account{reviewer}, func(p *models.FundProgram) {
		p.ReviewersPerApplication, p.ApprovalsRequired = 1, 1
	})
	r = a.do(http.MethodPost, "/api/v1/fund-applications", token, map[string]any{
		"program_id": program.ID, "shop_id": shopID, "amount_fen": 50_000, "business_plan": businessPlan})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	fundPath := "/api/v1/fund-applications/" + r.JSON(t)["id"].(string)
	a.waitStatus(fundPath, token, workflows.FundInReview)
	r = a.do(http.MethodPost, fundPath+"/reviews", reviewerTok, map[string]any{"decision": "approve", "score": 9, "comment": "可行"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	a.waitStatus(fundPath, token, workflows.FundDisbursed)

	// Internship application, matched by a round.
	place := a.createPlace(adminTok, "运营实习", 1, "直播")
	internship := a.applyFor(token, []string{"直播"}, place)
	a.round(adminTok)
	a.waitStatus("/api/v1/internship-applications/"+internship, token, workflows.InternshipOffered)

	// Enrollment, passed and certified.
	course := fixtures.Course(t, db, 60)
	r = a.do(http.MethodPost, "/api/v1/courses/"+course.ID+"/enrollments", token, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	enrollment := r.JSON(t)["id"].(string)
	r = a.do(http.MethodPost, "/api/v1/admin/enrollments/"+enrollment+"/result", adminTok, map[string]any{"score": 90})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	a.waitStatus("/api/v1/enrollments/"+enrollment, token, workflows.EnrollmentCertified)
	testenv.WaitFor(t, 10*time.Second, "every task due done", func() bool {
		return a.count(`SELECT count(*) FROM outbox WHERE process_at <= now()`) == 0
	})
	require.Equal(t, http.StatusNoContent, a.do(http.MethodPost, "/api/v1/auth/logout", token, nil).Status)

	written := logs.String()
	require.Contains(t, written, `"msg":"http request"`, "the API logged to the buffer")
	require.Contains(t, written, `"msg":"task done","type":"onboarding:verify"`, "the workers logged to the buffer")
	for what, secret := range map[string]string{"phone": phone, "student number": studentNumber, "password": password} {
		require.NotContains(t, written, secret, "the log holds the %s", what)
	}
	for _, tok := range tokens {
		require.NotContains(t, written, tok, "the log holds a token")
	}

	// Every task ever enqueued is in the outbox, or in outbox_history once
	// completed (KeepCompletedTasks); those Redis still holds (pending,
	// scheduled, retry, archived, completed) are in its task hashes. Both
	// carry ids only.
	personal := map[string]string{"phone": phone, "student number": studentNumber, "e-mail": email,
		"college e-mail": collegeEmail, "name": name, "business plan": businessPlan}
	var payloads []string
	require.NoError(t, db.Table("tasks_ever").Pluck("payload::text", &payloads).Error)
	require.GreaterOrEqual(t, len(payloads), 8, "the journey enqueued every kind of task")
	ctx := context.Background()
	taskKeys, err := a.redis.Client.Keys(ctx, "asynq:{*}:t:*").Result()
	require.NoError(t, err)
	inRedis := 0
	for _, k := range taskKeys {
		msg, err := a.redis.Client.HGet(ctx, k, "msg").Result()
		if err == nil {
			payloads = append(payloads, msg)
			inRedis++
		}
	}
	require.Positive(t, inRedis, "Redis holds task messages to scan")
	for _, p := range payloads {
		for what, v := range personal {
			require.False(t, strings.Contains(p, v), "a task payload holds the %s: %q", what, p)
		}
	}
}
