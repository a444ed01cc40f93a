package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// publicBase is the PUBLIC_BASE_URL certificates are issued under in tests.
const publicBase = "https://campusbiz.example.cn"

// trainingApp is an app whose workers can issue certificates.
type trainingApp struct {
	*app
	keys  workflows.CertificateKeys
	admin string // an admin's token: the training platform's account
}

// newTrainingApp starts an app and its workers with a fresh signing key.
func newTrainingApp(t *testing.T, opts ...appOption) *trainingApp {
	t.Helper()
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	withKeys := func(d *appDeps) {
		d.App.Certificates, d.App.Config.CertVerifyRate, d.App.Config.PublicBaseURL = keys, 100_000, publicBase
	}
	a := newApp(t, append([]appOption{withKeys}, opts...)...)
	a.startWorkers(func(d *workers.Deps) { d.CertificateKeys, d.PublicBaseURL = keys, publicBase })
	_, admin := a.user(models.RoleAdmin)
	return &trainingApp{app: a, keys: keys, admin: admin}
}

// student creates a verified applicant named fullName and signs them in.
func (ta *trainingApp) student(fullName string) (models.Account, string) {
	ta.t.Helper()
	acct, _ := fixtures.VerifiedStudent(ta.t, ta.schema.DB, fullName)
	return acct, fixtures.Token(ta.t, ta.schema.DB, acct)
}

// waitEnrollment polls the enrollment until its status is want.
func (ta *trainingApp) waitEnrollment(id, token, want string) map[string]any {
	ta.t.Helper()
	var got map[string]any
	testenv.WaitFor(ta.t, 20*time.Second, "enrollment "+want, func() bool {
		got = ta.do(http.MethodGet, "/api/v1/enrollments/"+id, token, nil).JSON(ta.t)
		return got["status"] == want
	})
	return got
}

// certify takes a new verified student named fullName through a course
// over the API and returns the certificate's serial.
func (ta *trainingApp) certify(fullName string) string {
	ta.t.Helper()
	_, token := ta.student(fullName)
	course := fixtures.Course(ta.t, ta.schema.DB, 60)
	r := ta.do(http.MethodPost, "/api/v1/courses/"+course.ID+"/enrollments", token, nil)
	require.Equal(ta.t, http.StatusCreated, r.Status, string(r.Body))
	id := r.JSON(ta.t)["id"].(string)
	r = ta.do(http.MethodPost, "/api/v1/admin/enrollments/"+id+"/result", ta.admin, map[string]any{"score": 88})
	require.Equal(ta.t, http.StatusAccepted, r.Status, string(r.Body))
	got := ta.waitEnrollment(id, token, workflows.EnrollmentCertified)
	serial, _ := got["certificate_serial"].(string)
	require.True(ta.t, certificates.ValidSerial(serial), "serial %q", serial)
	return serial
}

func TestTrainingThroughTheAPI(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)

	r := ta.do(http.MethodPost, "/api/v1/admin/courses", ta.admin, map[string]any{
		"title": "客户服务 Customer Service", "description": "Returns, refunds and ratings.", "pass_score": 70})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	course := r.JSON(t)
	courseID := course["id"].(string)
	require.EqualValues(t, 70, course["pass_score"])
	r = ta.do(http.MethodPost, "/api/v1/admin/courses", ta.admin, map[string]any{"title": "客户服务 Customer Service", "pass_score": 60})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "titles are unique")
	require.Contains(t, r.Error(t)["fields"], "title")

	r = ta.do(http.MethodGet, "/api/v1/courses", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Len(t, r.JSON(t)["items"], 1)
	r = ta.do(http.MethodGet, "/api/v1/courses/"+courseID, "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "客户服务 Customer Service", r.JSON(t)["title"])

	// Only verified students enrol.
	_, unverified := ta.user(models.RoleApplicant)
	r = ta.do(http.MethodPost, "/api/v1/courses/"+courseID+"/enrollments", unverified, nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Equal(t, msg.OnboardingRequired, r.Reason(t))
	require.Contains(t, r.Error(t)["message"], "onboarding")
	student, token := ta.student("陈静")
	r = ta.do(http.MethodPost, "/api/v1/courses/"+models.NewID()+"/enrollments", token, nil)
	require.Equal(t, http.StatusNotFound, r.Status, "unknown course")
	r = ta.do(http.MethodPost, "/api/v1/courses/"+courseID+"/enrollments", token, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	first := r.JSON(t)
	require.Equal(t, "enrolled", first["status"])
	require.Nil(t, first["certificate_serial"])
	firstID := first["id"].(string)
	r = ta.do(http.MethodPost, "/api/v1/courses/"+courseID+"/enrollments", token, nil)
	require.Equal(t, http.StatusConflict, r.Status, "one open enrollment per course")

	// Other students do not see it, and only admins post results.
	_, other := ta.student("李雷")
	require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, "/api/v1/enrollments/"+firstID, other, nil).Status)
	require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, "/api/v1/enrollments/"+firstID+"/events", other, nil).Status)
	require.Equal(t, http.StatusForbidden, ta.do(http.MethodPost, "/api/v1/admin/enrollments/"+firstID+"/result", token, map[string]any{"score": 100}).Status)

	// A score below the pass score fails; the student may enrol again.
	r = ta.do(http.MethodPost, "/api/v1/admin/enrollments/"+firstID+"/result", ta.admin, map[string]any{"score": 69})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, "failed", r.JSON(t)["status"])
	reason := r.JSON(t)["reasons"].([]any)[0].(map[string]any)
	require.Equal(t, msg.TrainingBelowPassScore, reason["code"])
	require.Equal(t, map[string]any{"score": 69.0, "pass": 70.0}, reason["params"])
	require.Equal(t, "The score 69 is below the course's pass score 70; you may enrol again.", reason["message"])
	r = ta.do(http.MethodPost, "/api/v1/admin/enrollments/"+firstID+"/result", ta.admin, map[string]any{"score": 90})
	require.Equal(t, http.StatusConflict, r.Status, "one result per enrollment")
	require.Zero(t, ta.count(`SELECT count(*) FROM outbox WHERE task_type = 'certificate:issue'`))

	r = ta.do(http.MethodPost, "/api/v1/courses/"+courseID+"/enrollments", token, nil)
	require.Equal(t, http.StatusCreated, r.Status, "enrol again after failing")
	secondID := r.JSON(t)["id"].(string)
	r = ta.do(http.MethodPost, "/api/v1/admin/enrollments/"+secondID+"/result", ta.admin, map[string]any{"score": 70})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, "passed", r.JSON(t)["status"])
	require.Equal(t, "/api/v1/enrollments/"+secondID+"/events", r.JSON(t)["events_url"])

	got := ta.waitEnrollment(secondID, token, "certified")
	serial := got["certificate_serial"].(string)
	require.True(t, certificates.ValidSerial(serial))
	require.EqualValues(t, 70, got["score"])

	r = ta.do(http.MethodGet, "/api/v1/enrollments/"+secondID+"/events", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var states []string
	for _, ev := range r.JSON(t)["items"].([]any) {
		states = append(states, ev.(map[string]any)["to"].(string))
	}
	require.Equal(t, []string{"enrolled", "passed", "certified"}, states)

	r = ta.do(http.MethodGet, "/api/v1/certificates/"+serial, "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	cert := r.JSON(t)
	require.Equal(t, true, cert["valid"])
	require.Equal(t, "陈静", cert["holder_name"], "the holder is the verified profile's full name")
	require.Equal(t, "客户服务 Customer Service", cert["course_title"])

	// Lists: the student's own; the training platform filters everyone's.
	r = ta.do(http.MethodGet, "/api/v1/enrollments", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	items := r.JSON(t)["items"].([]any)
	require.Len(t, items, 2)
	require.Equal(t, serial, items[1].(map[string]any)["certificate_serial"])
	require.Empty(t, ta.do(http.MethodGet, "/api/v1/enrollments", other, nil).JSON(t)["items"])
	r = ta.do(http.MethodGet, "/api/v1/enrollments?status=failed&course_id="+courseID, ta.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Len(t, r.JSON(t)["items"], 1)
	require.Equal(t, firstID, r.JSON(t)["items"].([]any)[0].(map[string]any)["id"])
	page := ta.do(http.MethodGet, "/api/v1/enrollments?limit=1", token, nil).JSON(t)
	require.Len(t, page["items"], 1)
	next := ta.do(http.MethodGet, "/api/v1/enrollments?limit=1&cursor="+page["next_cursor"].(string), token, nil).JSON(t)
	require.Equal(t, secondID, next["items"].([]any)[0].(map[string]any)["id"])
	require.Equal(t, http.StatusUnprocessableEntity, ta.do(http.MethodGet, "/api/v1/enrollments?status=done", token, nil).Status)
	require.Equal(t, http.StatusUnprocessableEntity, ta.do(http.MethodGet, "/api/v1/enrollments?course_id=x", token, nil).Status)

	testenv.WaitFor(t, 20*time.Second, "notifications of failed, passed and certified", func() bool {
		return ta.count(`SELECT count(*) FROM notifications WHERE account_id = ?`, student.ID) == 3
	})
	r = ta.do(http.MethodGet, "/api/v1/admin/stats", ta.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	wf := r.JSON(t)["workflows"].(map[string]any)
	require.EqualValues(t, map[string]any{"failed": 1.0, "certified": 1.0}, wf["enrollment"])
	require.EqualValues(t, map[string]any{"valid": 1.0}, wf["certificate"])
}

func TestTrainingBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := a.user(models.RoleAdmin)
	_, applicant := a.user(models.RoleApplicant)
	_, reviewer := a.user(models.RoleReviewer)
	course := fixtures.Course(t, a.schema.DB, 60)
	acct, _ := fixtures.VerifiedStudent(t, a.schema.DB, "张三")
	en, err := a.app.Enroll(t.Context(), application.ActorOf(acct), course.ID)
	require.NoError(t, err)

	for _, tok := range []string{applicant, reviewer} {
		require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, "/api/v1/admin/courses", tok, map[string]any{"title": "X", "pass_score": 1}).Status)
		require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, "/api/v1/admin/enrollments/"+en.ID+"/result", tok, map[string]any{"score": 1}).Status)
	}
	require.Equal(t, http.StatusUnauthorized, a.do(http.MethodPost, "/api/v1/admin/courses", "", map[string]any{"title": "X", "pass_score": 1}).Status)
	require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, "/api/v1/courses/"+course.ID+"/enrollments", reviewer, nil).Status)

	cases := []struct {
		name, path string
		body       any
		status     int
		field      string
	}{
		{"course: malformed JSON", "/api/v1/admin/courses", `{"title":`, http.StatusBadRequest, ""},
		{"course: not an object", "/api/v1/admin/courses", `[]`, http.StatusBadRequest, ""},
		{"course: missing pass score", "/api/v1/admin/courses", map[string]any{"title": "X"}, http.StatusUnprocessableEntity, "pass_score"},
		{"course: pass score as text", "/api/v1/admin/courses", map[string]any{"title": "X", "pass_score": "sixty"}, http.StatusUnprocessableEntity, "pass_score"},
		{"course: pass score 101", "/api/v1/admin/courses", map[string]any{"title": "X", "pass_score": 101}, http.StatusUnprocessableEntity, "pass_score"},
		{"course: title too long", "/api/v1/admin/courses", map[string]any{"title": strings.Repeat("课", 201), "pass_score": 60}, http.StatusUnprocessableEntity, "title"},
		{"course: control characters", "/api/v1/admin/courses", map[string]any{"title": "X\x00", "pass_score": 60}, http.StatusUnprocessableEntity, "title"},
		{"course: unknown field", "/api/v1/admin/courses", map[string]any{"title": "X", "pass_score": 60, "id": models.NewID()}, http.StatusUnprocessableEntity, "id"},
		{"result: malformed JSON", "/api/v1/admin/enrollments/" + en.ID + "/result", `{"score": 7`, http.StatusBadRequest, ""},
		{"result: empty body", "/api/v1/admin/enrollments/" + en.ID + "/result", ``, http.StatusBadRequest, ""},
		{"result: missing score", "/api/v1/admin/enrollments/" + en.ID + "/result", map[string]any{}, http.StatusUnprocessableEntity, "score"},
		{"result: score as text", "/api/v1/admin/enrollments/" + en.ID + "/result", map[string]any{"score": "80"}, http.StatusUnprocessableEntity, "score"},
		{"result: fractional score", "/api/v1/admin/enrollments/" + en.ID + "/result", `{"score": 80.5}`, http.StatusUnprocessableEntity, "score"},
		{"result: negative score", "/api/v1/admin/enrollments/" + en.ID + "/result", map[string]any{"score": -1}, http.StatusUnprocessableEntity, "score"},
		{"result: score 101", "/api/v1/admin/enrollments/" + en.ID + "/result", map[string]any{"score": 101}, http.StatusUnprocessableEntity, "score"},
		{"result: unknown field", "/api/v1/admin/enrollments/" + en.ID + "/result", map[string]any{"score": 80, "status": "certified"}, http.StatusUnprocessableEntity, "status"},
		{"result: unknown enrollment", "/api/v1/admin/enrollments/" + models.NewID() + "/result", map[string]any{"score": 80}, http.StatusNotFound, ""},
		{"result: junk id", "/api/v1/admin/enrollments/1%20OR%201=1/result", map[string]any{"score": 80}, http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(http.MethodPost, tc.path, admin, tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			e := r.Error(t)
			if tc.field != "" {
				require.Contains(t, e["fields"], tc.field)
			}
		})
	}
	require.Equal(t, 1, a.count(`SELECT count(*) FROM courses`), "no course written")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM enrollments WHERE status = 'enrolled' AND score IS NULL`), "the enrollment is untouched")
	require.Zero(t, a.count(`SELECT count(*) FROM outbox`), "no task written")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM workflow_events`), "only the enrollment's own event")
}
