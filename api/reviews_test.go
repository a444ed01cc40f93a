package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// assignDirect files an application in review for a new verified applicant
// and assigns reviewer to it, due at due; done writes their review too.
func (a *app) assignDirect(prog models.FundProgram, reviewer models.Account, due time.Time, done bool) (models.FundApplication, models.StudentProfile) {
	a.t.Helper()
	acct, prof := fixtures.VerifiedStudent(a.t, a.schema.DB, fmt.Sprintf("申请人%d", due.Unix()%1000))
	shop := fixtures.VerifiedShops(a.t, a.schema.DB, []models.Account{acct})[0]
	now := time.Now().UTC()
	score := 55
	x := models.FundApplication{ID: models.NewID(), ProgramID: prog.ID, AccountID: acct.ID, ShopID: shop.ID, AmountFen: 40_000,
		BusinessPlan: "plan of " + acct.ID, Status: workflows.FundInReview, Reasons: []models.Reason{}, Score: &score,
		ScoreFactors: []models.ScoreFactor{}, CreatedAt: now, UpdatedAt: now}
	require.NoError(a.t, a.schema.DB.Create(&x).Error)
	r := models.FundReview{ID: models.NewID(), ApplicationID: x.ID, ReviewerID: reviewer.ID, Status: workflows.ReviewAssigned,
		AssignedAt: now, DueAt: due.UTC()}
	if done {
		decision, s := workflows.ReviewApprove, 7
		r.Status, r.Decision, r.Score, r.Comment, r.ReviewedAt = workflows.ReviewDone, &decision, &s, "fine", &now
	}
	require.NoError(a.t, a.schema.DB.Create(&r).Error)
	return x, prof
}

func TestReviewQueue(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rev, tok := a.reviewer()
	_, otherTok := a.reviewer()
	prog := fixtures.FundProgram(t, a.schema.DB, []models.Account{rev}, nil)
	now := time.Now()
	dues := []time.Duration{30 * time.Hour, -48 * time.Hour, 2 * time.Hour, -1 * time.Hour, 70 * time.Hour}
	byDue := map[string]time.Duration{}
	var first models.StudentProfile
	for _, d := range dues {
		x, prof := a.assignDirect(prog, rev, now.Add(d), false)
		byDue[x.ID] = d
		if d == -48*time.Hour {
			first = prof
		}
	}
	for i := range 2 {
		a.assignDirect(prog, rev, now.Add(time.Duration(-100-i)*time.Hour), true)
	}

	t.Run("pending, by due date, a page at a time, with the total", func(t *testing.T) {
		var seen []time.Duration
		cursor := ""
		for page := 0; ; page++ {
			r := a.do(http.MethodGet, "/api/v1/reviews/assigned?limit=2&cursor="+cursor, tok, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			body := r.JSON(t)
			require.EqualValues(t, 5, body["total"], "the total counts every page")
			for _, it := range body["items"].([]any) {
				item := it.(map[string]any)
				app := item["application"].(map[string]any)
				d := byDue[app["id"].(string)]
				seen = append(seen, d)
				require.Equal(t, d < 0, item["overdue"], "overdue flags the assignments past due")
				require.NotEmpty(t, item["due_at"])
				require.NotEmpty(t, item["id"])
			}
			cursor, _ = body["next_cursor"].(string)
			if cursor == "" {
				require.Equal(t, 2, page, "three pages of at most two")
				break
			}
		}
		require.Equal(t, []time.Duration{-48 * time.Hour, -1 * time.Hour, 2 * time.Hour, 30 * time.Hour, 70 * time.Hour}, seen)
	})
	t.Run("each item carries what a reviewer needs to judge", func(t *testing.T) {
		item := items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned?limit=1", tok, nil))[0].(map[string]any)
		app := item["application"].(map[string]any)
		require.EqualValues(t, 40_000, app["amount_fen"])
		require.Contains(t, app["business_plan"], "plan of ")
		require.EqualValues(t, 55, app["score"])
		require.EqualValues(t, prog.MaxGrantFen, app["program"].(map[string]any)["max_grant_fen"], "the ask against the cap")
		applicant := app["applicant"].(map[string]any)
		require.Equal(t, first.FullName, applicant["name"])
		college := applicant["college"].(map[string]any)
		require.Equal(t, first.CollegeID, college["id"])
		require.NotEmpty(t, college["name"])
		shop := app["shop"].(map[string]any)
		require.NotEmpty(t, shop["url"])
		require.NotEmpty(t, shop["verified_at"], "verified since")
		require.Nil(t, item["review"])
	})
	t.Run("overdue and done filters", func(t *testing.T) {
		r := a.do(http.MethodGet, "/api/v1/reviews/assigned?status=overdue", tok, nil)
		require.EqualValues(t, 2, r.JSON(t)["total"])
		for _, it := range items(t, r) {
			require.Equal(t, true, it.(map[string]any)["overdue"])
		}
		r = a.do(http.MethodGet, "/api/v1/reviews/assigned?status=done&limit=1", tok, nil)
		body := r.JSON(t)
		require.EqualValues(t, 2, body["total"])
		require.NotEmpty(t, body["next_cursor"])
		done := items(t, r)[0].(map[string]any)
		require.Equal(t, false, done["overdue"], "a done review is not overdue")
		require.EqualValues(t, 7, done["review"].(map[string]any)["score"], "the reviewer's history shows their review")
		r = a.do(http.MethodGet, "/api/v1/reviews/assigned?status=done&cursor="+body["next_cursor"].(string), tok, nil)
		require.Len(t, items(t, r), 1)
		require.Empty(t, r.JSON(t)["next_cursor"])
	})
	t.Run("another reviewer sees none of them", func(t *testing.T) {
		r := a.do(http.MethodGet, "/api/v1/reviews/assigned", otherTok, nil)
		require.EqualValues(t, 0, r.JSON(t)["total"])
		require.Empty(t, items(t, r))
	})
	t.Run("bad filters and cursors are 422s naming them", func(t *testing.T) {
		for param, path := range map[string]string{
			"status": "/api/v1/reviews/assigned?status=late",
			"cursor": "/api/v1/reviews/assigned?cursor=bm90LWEta2V5",
			"limit":  "/api/v1/reviews/assigned?limit=0",
		} {
			r := a.do(http.MethodGet, path, tok, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, path)
			require.NotNil(t, r.FieldReason(t, param), path)
		}
	})
}

func TestFundAskAboveTheCapIsRefusedAtSubmission(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, shop, tok := a.verifiedApplicant()
	prog := fixtures.FundProgram(t, a.schema.DB, nil, func(p *models.FundProgram) { p.MaxGrantFen, p.BudgetFen = 2_000_000, 10_000_000 })
	r := a.do(http.MethodPost, "/api/v1/fund-applications", tok, map[string]any{
		"program_id": prog.ID, "shop_id": shop.ID, "amount_fen": 99_999_900, "business_plan": "开一家网店"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Equal(t, msg.FundAmountOverCap, r.FieldReason(t, "amount_fen")["code"])
	require.EqualValues(t, 2_000_000, r.FieldReason(t, "amount_fen")["params"].(map[string]any)["max"])
	require.Contains(t, r.Error(t)["fields"].(map[string]any)["amount_fen"], "20,000.00", "the message names the cap")
	require.Zero(t, a.count(`SELECT count(*) FROM fund_applications`), "nothing filed")
	r = a.do(http.MethodPost, "/api/v1/fund-applications", tok, map[string]any{
		"program_id": prog.ID, "shop_id": shop.ID, "amount_fen": 2_000_000, "business_plan": "开一家网店"})
	require.Equal(t, http.StatusAccepted, r.Status, "the cap itself may be asked")
}

// conflictSetup is an application in review by two of a panel of three.
type conflictSetup struct {
	reviewSetup
	r3    models.Account
	r3tok string
	// byID is each panel reviewer's token.
	byID map[string]string
}

func (a *app) inReviewOfThree() conflictSetup {
	a.t.Helper()
	var s conflictSetup
	s.owner, s.shop, s.ownerTok = a.verifiedApplicant()
	s.r1, s.r1tok = a.reviewer()
	s.r2, s.r2tok = a.reviewer()
	s.r3, s.r3tok = a.reviewer()
	s.byID = map[string]string{s.r1.ID: s.r1tok, s.r2.ID: s.r2tok, s.r3.ID: s.r3tok}
	s.program = fixtures.FundProgram(a.t, a.schema.DB, []models.Account{s.r1, s.r2, s.r3}, nil).ID
	r := a.do(http.MethodPost, "/api/v1/fund-applications", s.ownerTok, map[string]any{
		"program_id": s.program, "shop_id": s.shop.ID, "amount_fen": 50_000, "business_plan": "开一家网店"})
	require.Equal(a.t, http.StatusAccepted, r.Status, string(r.Body))
	s.appPath = "/api/v1/fund-applications/" + r.JSON(a.t)["id"].(string)
	a.waitStatus(s.appPath, s.ownerTok, "in_review")
	return s
}

// reviewers are the reviewers of the application at path with status.
func (a *app) reviewersWith(path, status string) []string {
	a.t.Helper()
	var ids []string
	require.NoError(a.t, a.schema.DB.Raw(`SELECT reviewer_id FROM fund_reviews WHERE application_id = ? AND status = ? ORDER BY reviewer_id`,
		path[len("/api/v1/fund-applications/"):], status).Scan(&ids).Error)
	return ids
}

func TestDeclaredConflictReassigns(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	s := a.inReviewOfThree()
	assigned := a.reviewersWith(s.appPath, workflows.ReviewAssigned)
	require.Len(t, assigned, 2)
	free := ""
	for id := range s.byID {
		if id != assigned[0] && id != assigned[1] {
			free = id
		}
	}
	conflicted, keeper := assigned[0], assigned[1]
	note := map[string]any{"note": "The applicant is my cousin."}

	t.Run("only an assigned reviewer, with a note", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/conflict", s.byID[free], note)
		require.Equal(t, http.StatusForbidden, r.Status)
		require.Equal(t, msg.FundReviewNotAssigned, r.Reason(t))
		r = a.do(http.MethodPost, s.appPath+"/conflict", s.byID[conflicted], map[string]any{"note": "  "})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, http.StatusForbidden, a.do(http.MethodPost, s.appPath+"/conflict", s.ownerTok, note).Status)
		require.Zero(t, a.count(`SELECT count(*) FROM fund_reviews WHERE status = 'conflict'`), "nothing changed")
	})
	t.Run("concurrent declarations record one conflict and one reassignment", func(t *testing.T) {
		codes := make(chan int, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { codes <- a.do(http.MethodPost, s.appPath+"/conflict", s.byID[conflicted], note).Status })
		}
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		require.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: 3}, got)
		require.Equal(t, []string{conflicted}, a.reviewersWith(s.appPath, workflows.ReviewConflict))
		require.ElementsMatch(t, []string{keeper, free}, a.reviewersWith(s.appPath, workflows.ReviewAssigned), "the free panel reviewer took it over")
		require.Equal(t, 1, a.count(`SELECT count(*) FROM fund_reviews WHERE conflict_note = 'The applicant is my cousin.'`))
	})
	t.Run("the conflicted reviewer loses the application; the new one has it", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, s.appPath, s.byID[conflicted], nil).Status)
		require.Empty(t, items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", s.byID[conflicted], nil)))
		require.Len(t, items(t, a.do(http.MethodGet, "/api/v1/reviews/assigned", s.byID[free], nil)), 1)
		r := a.do(http.MethodPost, s.appPath+"/reviews", s.byID[conflicted], map[string]any{"decision": "approve", "score": 9, "comment": "x"})
		require.Equal(t, http.StatusConflict, r.Status, "no review after declaring a conflict")
	})
	t.Run("the timeline records it without naming the reviewer", func(t *testing.T) {
		r := a.do(http.MethodGet, s.appPath+"/events", s.ownerTok, nil)
		require.Contains(t, string(r.Body), msg.FundConflictReassigned)
		require.NotContains(t, string(r.Body), conflicted)
	})
	t.Run("independent review: the others' reviews show once one's own is in", func(t *testing.T) {
		review := map[string]any{"decision": "approve", "score": 8, "comment": "clear plan"}
		require.Equal(t, http.StatusCreated, a.do(http.MethodPost, s.appPath+"/reviews", s.byID[keeper], review).Status)
		r := a.do(http.MethodGet, s.appPath, s.byID[free], nil)
		require.Empty(t, r.JSON(t)["reviews"], "not before their own")
		require.Equal(t, http.StatusCreated, a.do(http.MethodPost, s.appPath+"/reviews", s.byID[free], review).Status)
		r = a.do(http.MethodGet, s.appPath, s.byID[free], nil)
		require.Len(t, r.JSON(t)["reviews"], 2, "both reviews once their own is in")
		require.NotContains(t, string(r.Body), keeper, "the other reviewer stays anonymous")
		a.waitStatus(s.appPath, s.ownerTok, "disbursed")
	})
	t.Run("the audit log holds each reviewer's actions, with before and after", func(t *testing.T) {
		_, adminTok := a.user(models.RoleAdmin)
		actions := func(reviewer string) []string {
			var out []string
			for _, it := range items(t, a.do(http.MethodGet, "/api/v1/admin/audit?actor_id="+reviewer, adminTok, nil)) {
				e := it.(map[string]any)
				require.Equal(t, strings.TrimPrefix(s.appPath, "/api/v1/fund-applications/"), e["entity_id"])
				require.NotEmpty(t, e["ip"])
				out = append(out, e["action"].(string))
			}
			return out
		}
		require.Equal(t, []string{"fund_application.conflict"}, actions(conflicted), "one declaration, not four")
		require.Equal(t, []string{"fund_application.review"}, actions(keeper))
		require.Equal(t, 1, a.count(`SELECT count(*) FROM audit_log WHERE actor_id = ? AND before->>'Status' = 'assigned'
			AND after->'Review'->>'Status' = 'conflict'`, conflicted))
	})
}

func TestDeclaredConflictWithNobodyLeft(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	s := a.inReview() // a panel of two, both assigned
	r := a.do(http.MethodPost, s.appPath+"/conflict", s.r1tok, map[string]any{"note": "I advise this shop."})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, false, r.JSON(t)["reassigned"])
	require.Equal(t, workflows.ReviewConflict, r.JSON(t)["status"])
	final := a.waitStatus(s.appPath, s.ownerTok, "rejected")
	require.Contains(t, fmt.Sprint(final["reasons"]), msg.FundRejectedByReviews, "two approvals can no longer be reached")
	r = a.do(http.MethodGet, s.appPath+"/events", s.ownerTok, nil)
	require.Contains(t, string(r.Body), msg.FundConflictUnreplaced)
}

func TestProgramRanking(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, adminTok := a.user(models.RoleAdmin)
	harsh, _ := a.reviewer()
	fair, _ := a.reviewer()
	prog := fixtures.FundProgram(t, a.schema.DB, []models.Account{harsh, fair}, nil)
	score := func(x models.FundApplication, r models.Account, s int) {
		now := time.Now().UTC()
		d := workflows.ReviewApprove
		require.NoError(t, a.schema.DB.Create(&models.FundReview{ID: models.NewID(), ApplicationID: x.ID, ReviewerID: r.ID,
			Status: workflows.ReviewDone, Decision: &d, Score: &s, Comment: "c", AssignedAt: now, DueAt: now, ReviewedAt: &now}).Error)
	}
	// Both score three shared applications, harsh always two points lower;
	// then one application each: 6 from harsh, 7 from fair.
	for _, pair := range [][2]int{{5, 7}, {6, 8}, {4, 6}} {
		x, _ := a.assignDirect(prog, harsh, time.Now(), true)
		require.NoError(t, a.schema.DB.Exec(`UPDATE fund_reviews SET score = ? WHERE application_id = ?`, pair[0], x.ID).Error)
		score(x, fair, pair[1])
	}
	byHarsh, _ := a.assignDirect(prog, harsh, time.Now(), true)
	require.NoError(t, a.schema.DB.Exec(`UPDATE fund_reviews SET score = 6 WHERE application_id = ?`, byHarsh.ID).Error)
	byFair, _ := a.assignDirect(prog, fair, time.Now(), true)

	r := a.do(http.MethodGet, "/api/v1/admin/fund-programs/"+prog.ID+"/ranking", adminTok, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	body := r.JSON(t)
	offsets := map[string]float64{}
	for _, it := range body["reviewers"].([]any) {
		rv := it.(map[string]any)
		offsets[rv["reviewer_id"].(string)] = rv["offset"].(float64)
	}
	require.Less(t, offsets[harsh.ID], -0.5)
	require.Greater(t, offsets[fair.ID], 0.5)
	pos := map[string]int{}
	for i, it := range body["items"].([]any) {
		item := it.(map[string]any)
		pos[item["application_id"].(string)] = i
		require.NotEmpty(t, item["applicant"])
	}
	require.Len(t, pos, 5)
	require.Less(t, pos[byHarsh.ID], pos[byFair.ID], "6 from the harsh reviewer outranks 7 from the lenient one once calibrated")

	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/api/v1/admin/fund-programs/"+models.NewID()+"/ranking", adminTok, nil).Status)
}

func TestRubricScoring(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	a.startWorkers()
	_, adminTok := a.user(models.RoleAdmin)
	s := a.inReview() // the default rubric, two reviewers
	progPath := "/api/v1/fund-programs/" + s.program + "/rubric"

	r := a.do(http.MethodGet, progPath, "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	def := r.JSON(t)["criteria"].([]any)
	require.Len(t, def, 1)
	require.Equal(t, "Overall", def[0].(map[string]any)["name_en"])
	require.EqualValues(t, 10, def[0].(map[string]any)["max_points"])

	setPath := "/api/v1/admin/fund-programs/" + s.program + "/rubric"
	rubric := map[string]any{"criteria": []map[string]any{
		{"name_zh": "商业计划", "name_en": "Business plan", "weight": 2, "max_points": 10},
		{"name_zh": "网店经营", "name_en": "Shop record", "weight": 1, "max_points": 5}}}
	t.Run("bad rubrics change nothing", func(t *testing.T) {
		for _, bad := range []any{
			map[string]any{"criteria": []any{}},
			map[string]any{"criteria": []map[string]any{{"name_zh": "x", "name_en": "x", "weight": 0, "max_points": 10}}},
			map[string]any{"criteria": "plan"},
		} {
			r := a.do(http.MethodPut, setPath, adminTok, bad)
			require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status, string(r.Body))
		}
		require.Len(t, a.do(http.MethodGet, progPath, "", nil).JSON(t)["criteria"], 1)
	})
	r = a.do(http.MethodPut, setPath, adminTok, rubric)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ids := []string{}
	for _, c := range r.JSON(t)["criteria"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	require.Len(t, ids, 2)

	t.Run("a review scores every criterion; its score is the weighted result", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", s.r1tok, map[string]any{"decision": "approve", "score": 8, "comment": "ok"})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "a score alone does not do for this rubric")
		require.Equal(t, msg.FundRubricIncomplete, r.FieldReason(t, "criteria")["code"])
		r = a.do(http.MethodPost, s.appPath+"/reviews", s.r1tok, map[string]any{"decision": "approve", "comment": "ok",
			"criteria": []map[string]any{{"criterion_id": ids[0], "points": 8}, {"criterion_id": ids[1], "points": 6}}})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "6 of 5")
		require.Zero(t, a.count(`SELECT count(*) FROM fund_reviews WHERE status = 'done'`), "nothing written")
		r = a.do(http.MethodPost, s.appPath+"/reviews", s.r1tok, map[string]any{"decision": "approve", "comment": "costed plan",
			"criteria": []map[string]any{{"criterion_id": ids[0], "points": 8, "comment": "costs worked out"}, {"criterion_id": ids[1], "points": 2}}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		body := r.JSON(t)
		require.EqualValues(t, 7, body["score"], "10 × (2×8/10 + 2/5) / 3 = 6.67, rounded")
		require.Len(t, body["criteria"], 2)
	})
	t.Run("the rubric cannot change once a review is in", func(t *testing.T) {
		r := a.do(http.MethodPut, setPath, adminTok, rubric)
		require.Equal(t, http.StatusConflict, r.Status)
		require.Equal(t, msg.FundRubricReviewed, r.Reason(t))
	})
	t.Run("the second review settles it by the usual rules", func(t *testing.T) {
		r := a.do(http.MethodPost, s.appPath+"/reviews", s.r2tok, map[string]any{"decision": "approve", "comment": "fine",
			"criteria": []map[string]any{{"criterion_id": ids[1], "points": 5}, {"criterion_id": ids[0], "points": 6, "comment": "thin on costs"}}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		require.EqualValues(t, 7, r.JSON(t)["score"], "10 × (2×6/10 + 5/5) / 3 = 7.33")
		final := a.waitStatus(s.appPath, s.ownerTok, "disbursed")
		require.Len(t, final["reviews"], 2)
		for _, rv := range final["reviews"].([]any) {
			require.Len(t, rv.(map[string]any)["criteria"], 2, "the applicant reads each criterion's points and comment")
		}
	})
}
