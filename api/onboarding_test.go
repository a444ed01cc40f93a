package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// onboardingBody returns a valid onboarding request at a new college.
func onboardingBody(t *testing.T, a *app) (map[string]any, models.College) {
	t.Helper()
	college, domain := fixtures.College(t, a.schema.DB)
	f := fixtures.OnboardingForm(college, domain)
	return map[string]any{
		"college_id": f.CollegeID, "student_number": f.StudentNumber, "full_name": f.FullName,
		"enrollment_year": f.EnrollmentYear, "major": f.Major, "college_email": f.CollegeEmail, "phone": f.Phone,
	}, college
}

func TestOnboardingThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	_, token := a.user(models.RoleApplicant)
	body, college := onboardingBody(t, a)
	body["college_email"] = "me@gmail.com" // not the college's domain: needs_info

	r := a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	prof := r.JSON(t)
	id := prof["id"].(string)
	require.Equal(t, "pending", prof["status"])
	require.Equal(t, "/api/v1/onboarding/"+id+"/events", prof["events_url"])

	r = a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusConflict, r.Status, "one profile per account")

	waitStatus := func(want string) map[string]any {
		var got map[string]any
		testenv.WaitFor(t, 20*time.Second, "status "+want, func() bool {
			got = a.do(http.MethodGet, "/api/v1/onboarding/"+id, token, nil).JSON(t)
			return got["status"] == want
		})
		return got
	}
	got := waitStatus("needs_info")
	reasons := got["reasons"].([]any)
	require.Len(t, reasons, 1)
	reason := reasons[0].(map[string]any)
	require.Equal(t, "college_email", reason["field"])
	require.Equal(t, msg.OnboardingEmailDomain, reason["code"])
	require.Equal(t, map[string]any{"domains": []any{college.EmailDomains[0]}}, reason["params"])
	require.Equal(t, "Use your college e-mail address, on one of your college's domains: "+college.EmailDomains[0]+".", reason["message"])
	zh := a.doLang("zh-CN", http.MethodGet, "/api/v1/onboarding/"+id, token, nil).JSON(t)["reasons"].([]any)[0].(map[string]any)
	require.Equal(t, "请使用学校邮箱，邮箱域名须为以下之一："+college.EmailDomains[0]+"。", zh["message"], "reasons read in the client's language")

	r = a.do(http.MethodPut, "/api/v1/onboarding/"+id, token, map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a resubmission is validated like a submission")
	body["college_email"] = "me@mails." + college.EmailDomains[0] // a subdomain of the college's domain
	r = a.do(http.MethodPut, "/api/v1/onboarding/"+id, token, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, float64(2), r.JSON(t)["revision"])
	got = waitStatus("awaiting_email")
	require.Empty(t, got["reasons"])
	a.confirmOnboarding(id, token)

	r = a.do(http.MethodPut, "/api/v1/onboarding/"+id, token, body)
	require.Equal(t, http.StatusConflict, r.Status, "a verified profile cannot be resubmitted")

	r = a.do(http.MethodGet, "/api/v1/onboarding/"+id+"/events", token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var path []string
	for _, ev := range r.JSON(t)["items"].([]any) {
		e := ev.(map[string]any)
		path = append(path, fmt.Sprintf("%s>%s", e["from"], e["to"]))
		if e["actor"] == "task:onboarding:verify" {
			require.NotEmpty(t, e["task_id"], "task events link to Asynqmon")
		}
	}
	require.Equal(t, []string{">pending", "pending>needs_info", "needs_info>pending", "pending>awaiting_email",
		"awaiting_email>verified"}, path)

	testenv.WaitFor(t, 20*time.Second, "three notifications", func() bool {
		n := a.do(http.MethodGet, "/api/v1/me/notifications", token, nil).JSON(t)["items"].([]any)
		return len(n) == 3
	})
	items := a.do(http.MethodGet, "/api/v1/me/notifications?limit=1", token, nil).JSON(t)
	require.Contains(t, items["items"].([]any)[0].(map[string]any)["title"], "verified", "newest first")
	require.NotEmpty(t, items["next_cursor"])
}

func TestOnboardingBelongsToItsOwner(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, owner := a.user(models.RoleApplicant)
	_, other := a.user(models.RoleApplicant)
	_, reviewer := a.user(models.RoleReviewer)
	_, admin := a.user(models.RoleAdmin)
	body, _ := onboardingBody(t, a)
	r := a.do(http.MethodPost, "/api/v1/onboarding", owner, body)
	require.Equal(t, http.StatusAccepted, r.Status)
	id := r.JSON(t)["id"].(string)

	for _, path := range []string{"/api/v1/onboarding/" + id, "/api/v1/onboarding/" + id + "/events"} {
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, path, owner, nil).Status)
		require.Equal(t, http.StatusOK, a.do(http.MethodGet, path, admin, nil).Status)
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, path, other, nil).Status)
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, path, reviewer, nil).Status)
	}
	require.Equal(t, http.StatusNotFound, a.do(http.MethodPut, "/api/v1/onboarding/"+id, other, body).Status)
	require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, "/api/v1/onboarding", reviewer, body).Status)
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/api/v1/onboarding/not-a-uuid", owner, nil).Status)
	require.Equal(t, 1, a.count(`SELECT count(*) FROM student_profiles`))
}

func TestOnboardingRejectsBadInput(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, token := a.user(models.RoleApplicant)
	valid, _ := onboardingBody(t, a)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range valid {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown college", with("college_id", models.NewID()), "college_id"},
		{"college id not a uuid", with("college_id", "x"), "college_id"},
		{"bad phone", with("phone", "12345"), "phone"},
		{"year as string", with("enrollment_year", "2023"), "enrollment_year"},
		{"missing name", with("full_name", nil), "full_name"},
		{"control characters", with("major", "a\x00b"), "major"},
		{"unknown field", with("status", "verified"), "status"},
	} {
		r := a.do(http.MethodPost, "/api/v1/onboarding", token, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", tc.name, r.Body)
		require.Contains(t, r.Error(t)["fields"], tc.field, tc.name)
	}
	require.Zero(t, a.count(`SELECT count(*) FROM student_profiles`))
	require.Zero(t, a.count(`SELECT count(*) FROM outbox`))
}
