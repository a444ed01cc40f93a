package api_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// testClock is a clock the test moves; the app and the workers share it.
type testClock struct{ at atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.at.Store(time.Now().UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.at.Load()) }
func (c *testClock) Advance(d time.Duration) { c.at.Add(int64(d)) }

// clocked is an app and its workers on clock.
func clocked(t *testing.T, clock *testClock) *app {
	a := newApp(t, func(d *appDeps) { d.App.Config.Now = clock.Now })
	a.startWorkers(func(d *workers.Deps) { d.Now = clock.Now })
	return a
}

// awaitingProfile submits a valid profile for a new applicant and waits
// until it awaits its e-mail code; it returns the profile's id, the
// applicant's token and the college address.
func awaitingProfile(t *testing.T, a *app) (id, token, email string) {
	t.Helper()
	_, token = a.user(models.RoleApplicant)
	body, _ := onboardingBody(t, a)
	r := a.do(http.MethodPost, "/api/v1/onboarding", token, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	id = r.JSON(t)["id"].(string)
	a.waitStatus("/api/v1/onboarding/"+id, token, "awaiting_email")
	return id, token, body["college_email"].(string)
}

// fieldCode is the code of the message about field in an error answer.
func fieldCode(t *testing.T, r response, field string) string {
	t.Helper()
	e := r.Error(t)
	fr, ok := e["field_reasons"].(map[string]any)[field].(map[string]any)
	require.True(t, ok, "a message about %s: %s", field, r.Body)
	return fr["code"].(string)
}

func TestEmailCodeVerifiesOnlyTheOwnerWithTheRightCode(t *testing.T) {
	t.Parallel()
	a := clocked(t, newTestClock())
	id, token, email := awaitingProfile(t, a)
	code, _ := a.emailCode(email, 0)
	require.Len(t, code, 6)
	msgs := a.mail.To(email)
	require.Len(t, msgs, 1, "one code mail")
	require.Contains(t, msgs[0].Text, code)
	require.Contains(t, msgs[0].Subject, code)
	path := "/api/v1/onboarding/" + id + "/email-code"
	// The code is stored only as its keyed hash.
	var stored []byte
	require.NoError(t, a.schema.DB.Raw(`SELECT code_hash FROM email_codes WHERE profile_id = ?`, id).Row().Scan(&stored))
	require.Len(t, stored, 32)
	require.NotContains(t, string(stored), code)

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, other := a.user(models.RoleApplicant)
	_, reviewer := a.user(models.RoleReviewer)
	_, admin := a.user(models.RoleAdmin)
	a.refusals(path, []refusal{
		{"no token", "", map[string]any{"code": code}, http.StatusUnauthorized, ""},
		{"another applicant", other, map[string]any{"code": code}, http.StatusNotFound, ""},
		{"a reviewer", reviewer, map[string]any{"code": code}, http.StatusForbidden, ""},
		{"an admin", admin, map[string]any{"code": code}, http.StatusForbidden, ""},
		{"malformed JSON", token, "{", http.StatusBadRequest, ""},
		{"a number", token, map[string]any{"code": 123456}, http.StatusUnprocessableEntity, "code"},
		{"missing", token, map[string]any{}, http.StatusUnprocessableEntity, "code"},
		{"letters", token, map[string]any{"code": "12ab56"}, http.StatusUnprocessableEntity, "code"},
		{"five digits", token, map[string]any{"code": "12345"}, http.StatusUnprocessableEntity, "code"},
		{"oversized", token, map[string]any{"code": string(make([]byte, 4000))}, http.StatusUnprocessableEntity, "code"},
		{"unknown field", token, map[string]any{"code": code, "status": "verified"}, http.StatusUnprocessableEntity, "status"},
	})
	require.Equal(t, "awaiting_email", a.do(http.MethodGet, "/api/v1/onboarding/"+id, token, nil).JSON(t)["status"],
		"nothing above verifies")

	r := a.do(http.MethodPost, path, token, map[string]any{"code": wrong})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Equal(t, msg.OnboardingEmailCodeWrong, fieldCode(t, r, "code"))
	require.Equal(t, "That code is not right; 4 tries left.", r.Error(t)["fields"].(map[string]any)["code"])
	r = a.doLang("zh-CN", http.MethodPost, path, token, map[string]any{"code": wrong})
	require.Equal(t, "验证码不正确，还可以再试 3 次。", r.Error(t)["fields"].(map[string]any)["code"])

	r = a.do(http.MethodPost, path, token, map[string]any{"code": " " + code + " "})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "verified", r.JSON(t)["status"])

	// Single use: the same code again is refused, and nothing changes.
	r = a.do(http.MethodPost, path, token, map[string]any{"code": code})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, msg.OnboardingNotAwaitingEmail, r.Reason(t))
	var verifiedEvents int64
	require.NoError(t, a.schema.DB.Raw(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'verified'`, id).Row().Scan(&verifiedEvents))
	require.EqualValues(t, 1, verifiedEvents)
	r = a.do(http.MethodGet, "/api/v1/onboarding/"+id+"/events", token, nil)
	evs := r.JSON(t)["items"].([]any)
	last := evs[len(evs)-1].(map[string]any)
	require.Equal(t, "awaiting_email", last["from"])
	require.Equal(t, "verified", last["to"])
	require.Equal(t, evs[0].(map[string]any)["actor"], last["actor"], "the applicant confirmed, as they submitted")
	require.Equal(t, msg.OnboardingEmailConfirmed, last["reasons"].([]any)[0].(map[string]any)["code"])
}

func TestEmailCodeExpires(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a := clocked(t, clock)
	id, token, email := awaitingProfile(t, a)
	code, _ := a.emailCode(email, 0)
	clock.Advance(30*time.Minute + time.Second)
	r := a.do(http.MethodPost, "/api/v1/onboarding/"+id+"/email-code", token, map[string]any{"code": code})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Equal(t, msg.OnboardingEmailCodeExpired, fieldCode(t, r, "code"))
	require.Equal(t, "awaiting_email", a.do(http.MethodGet, "/api/v1/onboarding/"+id, token, nil).JSON(t)["status"])

	// A new code works; it is a different row, and only it counts.
	r = a.do(http.MethodPost, "/api/v1/onboarding/"+id+"/email-code/resend", token, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	fresh, _ := a.emailCode(email, 1)
	r = a.do(http.MethodPost, "/api/v1/onboarding/"+id+"/email-code", token, map[string]any{"code": fresh})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

func TestEmailCodeBurnsAfterTooManyWrongTriesAndResendsAreLimited(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a := clocked(t, clock)
	id, token, email := awaitingProfile(t, a)
	code, seen := a.emailCode(email, 0)
	path := "/api/v1/onboarding/" + id + "/email-code"
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := 1; i <= 5; i++ {
		r := a.do(http.MethodPost, path, token, map[string]any{"code": wrong})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
		want := msg.OnboardingEmailCodeWrong
		if i == 5 {
			want = msg.OnboardingEmailCodeAttempts
		}
		require.Equal(t, want, fieldCode(t, r, "code"), "try %d", i)
	}
	r := a.do(http.MethodPost, path, token, map[string]any{"code": code})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a burnt code fails even when right")
	require.Equal(t, msg.OnboardingEmailCodeAttempts, fieldCode(t, r, "code"))

	// Re-sending: not within the cooldown (60 s since the first code).
	resend := "/api/v1/onboarding/" + id + "/email-code/resend"
	r = a.do(http.MethodPost, resend, token, nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	require.NotEmpty(t, r.Header.Get("Retry-After"))
	_, other := a.user(models.RoleApplicant)
	require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, resend, other, nil).Status, "only the owner")

	// Then up to the hourly cap (5 codes an hour, the first included).
	var old string
	for i := 0; i < 4; i++ {
		clock.Advance(61 * time.Second)
		r = a.do(http.MethodPost, resend, token, nil)
		require.Equal(t, http.StatusAccepted, r.Status, "resend %d: %s", i, r.Body)
		old = code
		code, seen = a.emailCode(email, seen)
	}
	clock.Advance(61 * time.Second)
	r = a.do(http.MethodPost, resend, token, nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the hourly cap: %s", r.Body)
	require.Equal(t, 5, len(a.mail.To(email)), "five codes, no more")

	// Only the newest code counts.
	if old != code {
		r = a.do(http.MethodPost, path, token, map[string]any{"code": old})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "an earlier code is burnt")
	}
	r = a.do(http.MethodPost, path, token, map[string]any{"code": code})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.do(http.MethodPost, resend, token, nil)
	require.Equal(t, http.StatusConflict, r.Status, "a verified profile has no code to re-send")
}

func TestConfirmingTwiceAtOnceVerifiesOnce(t *testing.T) {
	t.Parallel()
	a := clocked(t, newTestClock())
	id, token, email := awaitingProfile(t, a)
	code, _ := a.emailCode(email, 0)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = a.do(http.MethodPost, "/api/v1/onboarding/"+id+"/email-code", token, map[string]any{"code": code}).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else {
			require.Contains(t, []int{http.StatusConflict, http.StatusUnprocessableEntity}, s)
		}
	}
	require.Equal(t, 1, ok, "statuses %v", statuses)
	var n int64
	require.NoError(t, a.schema.DB.Raw(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND to_state = 'verified'`, id).Row().Scan(&n))
	require.EqualValues(t, 1, n)
}

func TestConfirmationRechecksTheStudentNumber(t *testing.T) {
	t.Parallel()
	a := clocked(t, newTestClock())
	_, first := a.user(models.RoleApplicant)
	_, second := a.user(models.RoleApplicant)
	body, _ := onboardingBody(t, a)
	ids := map[string]string{}
	for _, tok := range []string{first, second} {
		r := a.do(http.MethodPost, "/api/v1/onboarding", tok, body)
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		ids[tok] = r.JSON(t)["id"].(string)
		a.waitStatus("/api/v1/onboarding/"+ids[tok], tok, "awaiting_email")
	}
	// Both passed the checks (nobody was verified yet) and got a code each,
	// to the same address.
	email := body["college_email"].(string)
	testenv.WaitFor(t, 20*time.Second, "two codes", func() bool { return len(a.mail.To(email)) == 2 })
	// Which mail belongs to which profile is not in the mail: each applicant
	// tries both (a wrong try costs one attempt of five).
	var codes []string
	for _, m := range a.mail.To(email) {
		c, ok := mailsink.Code(m)
		require.True(t, ok)
		codes = append(codes, c)
	}
	confirm := func(tok string) response {
		for _, c := range codes {
			r := a.do(http.MethodPost, "/api/v1/onboarding/"+ids[tok]+"/email-code", tok, map[string]any{"code": c})
			if r.Status != http.StatusUnprocessableEntity {
				return r
			}
		}
		t.Fatalf("no code matched")
		return response{}
	}
	r := confirm(first)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = confirm(second)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	require.Equal(t, msg.OnboardingAlreadyVerified, r.Reason(t))
	got := a.do(http.MethodGet, "/api/v1/onboarding/"+ids[second], second, nil).JSON(t)
	require.Equal(t, "rejected", got["status"], "the loser is rejected with the reason, on its timeline")
	require.Equal(t, msg.OnboardingAlreadyVerified, got["reasons"].([]any)[0].(map[string]any)["code"])
}

// refusal is one request a route must refuse: who sends what, the status
// and the field the error names ("" for none).
type refusal struct {
	name, token string
	body        any
	status      int
	field       string
}

// refusals posts each refused request to path and checks its answer.
func (a *app) refusals(path string, cases []refusal) {
	a.t.Helper()
	for _, c := range cases {
		r := a.do(http.MethodPost, path, c.token, c.body)
		require.Equal(a.t, c.status, r.Status, "%s: %s", c.name, r.Body)
		if c.field != "" {
			require.Contains(a.t, r.Error(a.t)["fields"], c.field, c.name)
		}
	}
}
