package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// intern is a signed-in verified student without a shop.
func (a *app) intern(name string) (models.Account, string) {
	a.t.Helper()
	acct, _ := fixtures.VerifiedStudent(a.t, a.schema.DB, name)
	return acct, fixtures.Token(a.t, a.schema.DB, acct)
}

// createPlace creates a place as admin and returns its id.
func (a *app) createPlace(admin, title string, capacity int, skills ...string) string {
	a.t.Helper()
	r := a.do(http.MethodPost, "/api/v1/admin/internships", admin, map[string]any{
		"company": "Shopco", "title": title, "city": "杭州", "skills": skills, "capacity": capacity})
	require.Equal(a.t, http.StatusCreated, r.Status, string(r.Body))
	return r.JSON(a.t)["id"].(string)
}

// applyFor files an application and returns its id.
func (a *app) applyFor(token string, skills []string, places ...string) string {
	a.t.Helper()
	r := a.do(http.MethodPost, "/api/v1/internship-applications", token, map[string]any{"preferences": places, "skills": skills})
	require.Equal(a.t, http.StatusAccepted, r.Status, string(r.Body))
	body := r.JSON(a.t)
	require.Equal(a.t, "pending", body["status"])
	require.Equal(a.t, "/api/v1/internship-applications/"+body["id"].(string)+"/events", body["events_url"])
	return body["id"].(string)
}

// round starts a round and waits until it is done.
func (a *app) round(admin string) map[string]any {
	a.t.Helper()
	r := a.do(http.MethodPost, "/api/v1/admin/match-rounds", admin, nil)
	require.Equal(a.t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(a.t, "queued", r.JSON(a.t)["status"])
	return a.waitStatus("/api/v1/admin/match-rounds/"+r.JSON(a.t)["id"].(string), admin, "done")
}

func (a *app) internship(id, token string) map[string]any {
	a.t.Helper()
	return a.internshipIn("", id, token)
}

// internshipIn is internship read with an Accept-Language header.
func (a *app) internshipIn(acceptLanguage, id, token string) map[string]any {
	a.t.Helper()
	r := a.doLang(acceptLanguage, http.MethodGet, "/api/v1/internship-applications/"+id, token, nil)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	return r.JSON(a.t)
}

func offeredPlace(t *testing.T, app map[string]any) string {
	t.Helper()
	offer, ok := app["offer"].(map[string]any)
	require.True(t, ok, "an offer: %v", app)
	return offer["place"].(map[string]any)["id"].(string)
}

// notice is a state-change notification as the reader gets it: its code's
// parameters (the workflow and its new state) and its rendered title.
type notice struct {
	entity, state, title string
}

// stateNotices lists the state-change notifications of token's account,
// newest first.
func stateNotices(t *testing.T, a *app, token string) []notice {
	t.Helper()
	var out []notice
	for _, it := range items(t, a.do(http.MethodGet, "/api/v1/me/notifications", token, nil)) {
		n := it.(map[string]any)
		if n["code"] != msg.NoticeStateChanged {
			continue
		}
		params := n["params"].(map[string]any)
		out = append(out, notice{entity: params["entity"].(string), state: params["state"].(string), title: n["title"].(string)})
	}
	return out
}

func TestInternshipMatchingEndToEnd(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	_, admin := a.user(models.RoleAdmin)
	data := a.createPlace(admin, "Data intern", 1, "SQL", "Excel")
	design := a.createPlace(admin, "Design intern", 1, "Figma")
	_, ada := a.intern("Ada")
	_, ben := a.intern("Ben")
	_, cleo := a.intern("Cleo")
	// At data ada scores 20 and ben 10; at design ben scores 10, cleo 0.
	adaApp := a.applyFor(ada, []string{"sql", "excel"}, data, design)
	benApp := a.applyFor(ben, []string{"SQL", "figma"}, data, design)
	cleoApp := a.applyFor(cleo, []string{"go"}, design, data)

	r1 := a.round(admin)
	require.EqualValues(t, 3, r1["applicants"])
	require.EqualValues(t, 2, r1["places"])
	require.EqualValues(t, 2, r1["matched"])
	require.EqualValues(t, 1, r1["unmatched"])
	require.Contains(t, r1, "duration")
	require.NotEmpty(t, r1["finished_at"])

	adaView := a.internship(adaApp, ada)
	require.Equal(t, "offered", adaView["status"])
	require.Equal(t, data, offeredPlace(t, adaView))
	require.NotEmpty(t, adaView["offer"].(map[string]any)["expires_at"])
	benView := a.internship(benApp, ben)
	require.Equal(t, design, offeredPlace(t, benView))
	benWhy := benView["explanation"].(map[string]any)
	require.EqualValues(t, 2, benWhy["offered"].(map[string]any)["rank"])
	dataWhy := benWhy["higher"].([]any)[0].(map[string]any)
	require.Equal(t, data, dataWhy["place_id"])
	require.EqualValues(t, 20, dataWhy["lowest_admitted_score"], "ben is told the lowest score data admitted")
	require.EqualValues(t, 10, dataWhy["score"])
	require.Equal(t, msg.InternshipPlaceOutscored, dataWhy["reason_code"])
	require.Equal(t, map[string]any{"rank": 1.0, "lowest": 20.0, "score": 10.0}, dataWhy["reason_params"])
	require.Equal(t, "Your choice 1 was filled by applicants with higher scores; the lowest score admitted was 20, yours was 10.", dataWhy["reason"])
	require.Equal(t, "You were offered your choice 2. "+dataWhy["reason"].(string), benWhy["summary"])
	zhWhy := a.internshipIn("zh-CN", benApp, ben)["explanation"].(map[string]any)
	require.Equal(t, "您获得了第 2 志愿的录用。您的第 1 志愿已被分数更高的申请人录满；录取的最低分为 20，您的分数为 10。", zhWhy["summary"],
		"the explanation reads in the client's language")
	cleoView := a.internship(cleoApp, cleo)
	require.Equal(t, "unmatched", cleoView["status"])
	require.Nil(t, cleoView["offer"])
	cleoWhy := cleoView["explanation"].(map[string]any)
	require.Nil(t, cleoWhy["offered"])
	require.Len(t, cleoWhy["higher"], 2, "every place cleo ranked is explained")
	require.Contains(t, cleoWhy["summary"], "next round")
	require.Equal(t, map[string]any{"code": msg.InternshipUnmatched}, cleoWhy["outcome"])

	require.Contains(t, stateNotices(t, a, ada), notice{"internship", "offered", "internship application: offered"})
	require.Contains(t, stateNotices(t, a, cleo), notice{"internship", "unmatched", "internship application: unmatched"})

	r := a.do(http.MethodPost, "/api/v1/internship-applications/"+benApp+"/decline", ben, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "declined", r.JSON(t)["status"])
	r = a.do(http.MethodPost, "/api/v1/internship-applications/"+adaApp+"/accept", ada, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "accepted", r.JSON(t)["status"])
	r = a.do(http.MethodPost, "/api/v1/internship-applications/"+adaApp+"/decline", ada, nil)
	require.Equal(t, http.StatusConflict, r.Status, "an accepted offer is final")

	filled := map[string]float64{}
	for _, p := range items(t, a.do(http.MethodGet, "/api/v1/internships", "", nil)) {
		filled[p.(map[string]any)["id"].(string)] = p.(map[string]any)["filled"].(float64)
	}
	require.Equal(t, map[string]float64{data: 1, design: 0}, filled, "the declined seat is free again")
	r = a.do(http.MethodPatch, "/api/v1/admin/internships/"+data, admin, map[string]any{"capacity": 0})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "ada holds data's only seat")
	require.Equal(t, map[string]any{"code": msg.InternshipCapacityBelowHeld, "params": map[string]any{"held": 1.0}}, r.FieldReason(t, "capacity"))
	require.Equal(t, "must be at least 1: offers hold that many seats", r.Error(t)["fields"].(map[string]any)["capacity"])

	// The second round fills the declined place with cleo, unmatched before.
	r2 := a.round(admin)
	require.EqualValues(t, 1, r2["applicants"])
	require.EqualValues(t, 1, r2["seats"])
	require.EqualValues(t, 1, r2["matched"])
	cleoView = a.internship(cleoApp, cleo)
	require.Equal(t, "offered", cleoView["status"])
	require.Equal(t, design, offeredPlace(t, cleoView))
	r = a.do(http.MethodPost, "/api/v1/internship-applications/"+cleoApp+"/accept", cleo, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	var states []string
	for _, ev := range items(t, a.do(http.MethodGet, "/api/v1/internship-applications/"+cleoApp+"/events", cleo, nil)) {
		states = append(states, ev.(map[string]any)["to"].(string))
	}
	require.Equal(t, []string{"pending", "unmatched", "offered", "accepted"}, states)
	rounds := items(t, a.do(http.MethodGet, "/api/v1/admin/match-rounds", admin, nil))
	require.Len(t, rounds, 2)
	require.Equal(t, r2["id"], rounds[0].(map[string]any)["id"], "newest first")
	var roundStates []string
	for _, ev := range items(t, a.do(http.MethodGet, "/api/v1/admin/match-rounds/"+r2["id"].(string)+"/events", admin, nil)) {
		roundStates = append(roundStates, ev.(map[string]any)["to"].(string))
	}
	require.Equal(t, []string{"queued", "running", "done"}, roundStates)
	stats := a.do(http.MethodGet, "/api/v1/admin/stats", admin, nil).JSON(t)["workflows"].(map[string]any)["internship"]
	require.Equal(t, map[string]any{"accepted": float64(2), "declined": float64(1)}, stats)
}

func TestInternshipBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, admin := a.user(models.RoleAdmin)
	open := a.createPlace(admin, "Open intern", 2)
	closed := a.createPlace(admin, "Closed intern", 2)
	r := a.do(http.MethodPatch, "/api/v1/admin/internships/"+closed, admin, map[string]any{"status": "closed"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "closed", r.JSON(t)["status"])
	_, student := a.intern("Dai")
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = uuid.NewString()
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"malformed JSON", `{"preferences": [`, http.StatusBadRequest, ""},
		{"not an object", `["` + open + `"]`, http.StatusBadRequest, ""},
		{"wrong type", map[string]any{"preferences": open, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"missing preferences", map[string]any{"skills": []string{"go"}}, http.StatusUnprocessableEntity, "preferences"},
		{"missing skills", map[string]any{"preferences": []string{open}}, http.StatusUnprocessableEntity, "skills"},
		{"no places", map[string]any{"preferences": []string{}, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"eleven places", map[string]any{"preferences": eleven, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"not an id", map[string]any{"preferences": []string{"place-1"}, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences[0]"},
		{"oversized skill", map[string]any{"preferences": []string{open}, "skills": []string{strings.Repeat("技", 51)}}, http.StatusUnprocessableEntity, "skills[0]"},
		{"too many skills", map[string]any{"preferences": []string{open}, "skills": strings.Split(strings.Repeat("x,", 21), ",")}, http.StatusUnprocessableEntity, "skills"},
		{"place listed twice", map[string]any{"preferences": []string{open, strings.ToUpper(open)}, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"unknown place", map[string]any{"preferences": []string{open, uuid.NewString()}, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"closed place", map[string]any{"preferences": []string{closed}, "skills": []string{}}, http.StatusUnprocessableEntity, "preferences"},
		{"unknown field", map[string]any{"preferences": []string{open}, "skills": []string{}, "status": "offered"}, http.StatusUnprocessableEntity, "status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(http.MethodPost, "/api/v1/internship-applications", student, tc.body)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			if tc.field != "" {
				require.Contains(t, r.Error(t)["fields"], tc.field)
			}
		})
	}
	require.Zero(t, a.count(`SELECT count(*) FROM internship_applications`), "nothing written")

	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"missing capacity", map[string]any{"company": "C", "title": "T", "city": "X"}, "capacity"},
		{"negative capacity", map[string]any{"company": "C", "title": "T", "city": "X", "capacity": -1}, "capacity"},
		{"blank company", map[string]any{"company": "   ", "title": "T", "city": "X", "capacity": 1}, "company"},
		{"unknown status", map[string]any{"company": "C", "title": "T", "city": "X", "capacity": 1, "status": "maybe"}, "status"},
		{"oversized title", map[string]any{"company": "C", "title": strings.Repeat("t", 101), "city": "X", "capacity": 1}, "title"},
		{"capacity as text", map[string]any{"company": "C", "title": "T", "city": "X", "capacity": "3"}, "capacity"},
	} {
		t.Run("place: "+tc.name, func(t *testing.T) {
			r := a.do(http.MethodPost, "/api/v1/admin/internships", admin, tc.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
			require.Contains(t, r.Error(t)["fields"], tc.field)
		})
	}
	r = a.do(http.MethodPatch, "/api/v1/admin/internships/"+open, admin, map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a change names something to change")
	require.Equal(t, 2, a.count(`SELECT count(*) FROM internship_places`))
	require.Equal(t, 1, a.count(`SELECT count(*) FROM internship_places WHERE status = 'open'`))
}

func TestInternshipAccessAndConflicts(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := context.Background()
	_, admin := a.user(models.RoleAdmin)
	_, reviewer := a.user(models.RoleReviewer)
	_, unverified := a.user(models.RoleApplicant)
	place := a.createPlace(admin, "Only intern", 1)
	_, owner := a.intern("Owner")
	_, other := a.intern("Other")
	id := a.applyFor(owner, []string{}, place)
	body := map[string]any{"preferences": []string{place}, "skills": []string{}}

	r := a.do(http.MethodPost, "/api/v1/internship-applications", unverified, body)
	require.Equal(t, http.StatusForbidden, r.Status, "only verified students apply")
	r = a.do(http.MethodPost, "/api/v1/internship-applications", reviewer, body)
	require.Equal(t, http.StatusForbidden, r.Status)
	r = a.do(http.MethodPost, "/api/v1/internship-applications", "", body)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	r = a.do(http.MethodPost, "/api/v1/internship-applications", owner, body)
	require.Equal(t, http.StatusConflict, r.Status, "one application in play")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM internship_applications`))

	for _, path := range []string{"", "/events"} {
		r = a.do(http.MethodGet, "/api/v1/internship-applications/"+id+path, other, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "another applicant's application does not exist for them")
		r = a.do(http.MethodGet, "/api/v1/internship-applications/"+id+path, admin, nil)
		require.Equal(t, http.StatusOK, r.Status)
	}
	require.Empty(t, items(t, a.do(http.MethodGet, "/api/v1/internship-applications", other, nil)))
	require.Len(t, items(t, a.do(http.MethodGet, "/api/v1/internship-applications?status=pending", admin, nil)), 1)
	r = a.do(http.MethodGet, "/api/v1/internship-applications?status=lost", admin, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	r = a.do(http.MethodGet, "/api/v1/internship-applications", reviewer, nil)
	require.Equal(t, http.StatusForbidden, r.Status)
	r = a.do(http.MethodPost, "/api/v1/internship-applications/"+id+"/accept", other, nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	r = a.do(http.MethodPost, "/api/v1/internship-applications/"+id+"/accept", owner, nil)
	require.Equal(t, http.StatusConflict, r.Status, "nothing offered yet")
	r = a.do(http.MethodPost, "/api/v1/internship-applications/not-an-id/decline", owner, nil)
	require.Equal(t, http.StatusNotFound, r.Status)

	for _, path := range []string{"/api/v1/admin/match-rounds", "/api/v1/admin/internships"} {
		r = a.do(http.MethodPost, path, owner, map[string]any{})
		require.Equal(t, http.StatusForbidden, r.Status, path)
	}
	r = a.do(http.MethodPost, "/api/v1/admin/match-rounds", admin, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	first := r.JSON(t)["id"].(string)
	r = a.do(http.MethodPost, "/api/v1/admin/match-rounds", admin, nil)
	require.Equal(t, http.StatusConflict, r.Status, "never two rounds at once")
	require.Equal(t, msg.InternshipRoundActive, r.Reason(t))
	require.Equal(t, first, r.Error(t)["reason"].(map[string]any)["params"].(map[string]any)["round_id"], "the conflict names the round")
	require.Contains(t, r.Error(t)["message"], first)
	// Nor through another process's application, nor by the schedule.
	adminAcct := fixtures.Account(t, a.schema.DB, models.RoleAdmin)
	_, err := fixtures.App(a.schema.DB).StartMatchRound(ctx, application.ActorOf(adminAcct))
	require.ErrorIs(t, err, workflows.ErrConflict)
	started, err := (&application.MatchScheduler{App: a.app, Log: testenv.Logger(t)}).Tick(ctx, time.Now())
	require.NoError(t, err)
	require.False(t, started, "a scheduled tick starts no round while one is queued")
	require.Equal(t, 1, a.count(`SELECT count(*) FROM match_rounds`))
	r = a.do(http.MethodGet, "/api/v1/admin/match-rounds/"+uuid.NewString(), admin, nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	r = a.do(http.MethodGet, "/api/v1/admin/match-rounds/"+first, admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "queued", r.JSON(t)["status"], "no workers in this test")
}
