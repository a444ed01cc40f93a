package api_test

import (
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestShopSubmissionAccessAndAdminDecision(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	owner, _ := fixtures.VerifiedStudent(t, a.schema.DB, "周杰")
	tok := fixtures.Token(t, a.schema.DB, owner)
	_, _, otherTok := a.verifiedApplicant()
	_, revTok := a.reviewer()
	_, admin := a.user(models.RoleAdmin)
	body := map[string]any{"platform_shop_id": "tb-31415", "shop_url": "https://Shop.Example.com/store/31415/", "shop_name": "周杰的茶叶店", "category": "tea"}

	r := a.do(http.MethodPost, "/api/v1/shops", tok, body)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	shop := r.JSON(t)
	id := shop["id"].(string)
	require.Equal(t, "pending", shop["status"])
	require.Regexp(t, `^CB-[A-Z2-7]{12}$`, shop["verification_code"])
	require.Equal(t, "/api/v1/shops/"+id+"/events", shop["events_url"])
	require.Equal(t, 1, a.count(`SELECT count(*) FROM outbox WHERE task_type = 'shop:verify'`), "the check is queued")

	r = a.do(http.MethodPost, "/api/v1/shops", tok, body)
	require.Equal(t, http.StatusConflict, r.Status, "the same shop twice while pending")

	path := "/api/v1/shops/" + id
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, path, tok, nil).Status)
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, path, otherTok, nil).Status, "another student's shop")
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, path, revTok, nil).Status, "no application of theirs names it")
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, path+"/events", otherTok, nil).Status)
	r = a.do(http.MethodGet, path, admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, shop["verification_code"], r.JSON(t)["verification_code"])
	require.Len(t, items(t, a.do(http.MethodGet, path+"/events", tok, nil)), 1)

	// An admin rejects it with a reason; the student rechecks; an admin confirms.
	r = a.do(http.MethodPost, "/api/v1/admin/shops/"+id+"/confirm", admin, map[string]any{"verified": false, "reason": "the page shows another owner"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "rejected", r.JSON(t)["status"])
	reason := r.JSON(t)["reasons"].([]any)[0].(map[string]any)
	require.Equal(t, msg.ShopRejectedByAdmin, reason["code"])
	require.Equal(t, map[string]any{"reason": "the page shows another owner"}, reason["params"], "the admin's own words")
	require.Equal(t, "An admin rejected the shop: the page shows another owner", reason["message"])
	reason = a.doLang("zh", http.MethodGet, path, tok, nil).JSON(t)["reasons"].([]any)[0].(map[string]any)
	require.Equal(t, "管理员未通过这家网店：the page shows another owner", reason["message"])
	require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, path+"/recheck", otherTok, nil).Status)
	r = a.do(http.MethodPost, path+"/recheck", tok, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	require.Equal(t, "pending", r.JSON(t)["status"])
	require.EqualValues(t, 2, r.JSON(t)["revision"])
	require.Equal(t, shop["verification_code"], r.JSON(t)["verification_code"], "the same code")
	r = a.do(http.MethodPost, "/api/v1/admin/shops/"+id+"/confirm", admin, map[string]any{"verified": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "verified", r.JSON(t)["status"])
	require.NotNil(t, r.JSON(t)["verified_at"])
	require.Equal(t, http.StatusConflict, a.do(http.MethodPost, "/api/v1/admin/shops/"+id+"/confirm", admin, map[string]any{"verified": true}).Status)
	require.Equal(t, http.StatusConflict, a.do(http.MethodPost, path+"/recheck", tok, nil).Status, "a verified shop is final")
	require.Equal(t, http.StatusConflict, a.do(http.MethodPost, "/api/v1/shops", tok, body).Status, "already verified")

	var states []string
	for _, ev := range items(t, a.do(http.MethodGet, path+"/events", tok, nil)) {
		states = append(states, ev.(map[string]any)["to"].(string))
	}
	require.Equal(t, []string{"pending", "rejected", "pending", "verified"}, states)
	require.Equal(t, 2, a.count(`SELECT count(*) FROM notifications WHERE account_id = ? AND entity_id = ?`, owner.ID, id),
		"told of each admin decision")

	t.Run("another student cannot have it verified too", func(t *testing.T) {
		r := a.do(http.MethodPost, "/api/v1/shops", otherTok, map[string]any{"platform_shop_id": "tb-31415",
			"shop_url": "https://shop.example.com/store/31415", "shop_name": "冒名", "category": "tea"})
		require.Equal(t, http.StatusAccepted, r.Status, "submitting is allowed: the check decides")
		r = a.do(http.MethodPost, "/api/v1/admin/shops/"+r.JSON(t)["id"].(string)+"/confirm", admin, map[string]any{"verified": true})
		require.Equal(t, http.StatusConflict, r.Status, "the database allows one verified owner")
	})
}

func TestFundProgramsArePublicAndPaged(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	for range 3 {
		fixtures.FundProgram(t, a.schema.DB, nil, nil)
	}
	r := a.do(http.MethodGet, "/api/v1/fund-programs?limit=2", "", nil)
	first := items(t, r)
	require.Len(t, first, 2)
	cursor := r.JSON(t)["next_cursor"].(string)
	require.NotEmpty(t, cursor)
	rest := items(t, a.do(http.MethodGet, "/api/v1/fund-programs?limit=2&cursor="+cursor, "", nil))
	require.Len(t, rest, 1)
	p := first[0].(map[string]any)
	for _, field := range []string{"id", "name", "budget_fen", "reserved_fen", "disbursed_fen", "remaining_fen", "max_grant_fen",
		"reviewers_per_application", "approvals_required", "min_mean_score", "opens_at", "closes_at"} {
		require.Contains(t, p, field)
	}
	require.NotContains(t, p, "reviewer_ids", "the panel is not public")
	r = a.do(http.MethodGet, "/api/v1/fund-programs/"+p["id"].(string), "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, p["name"], r.JSON(t)["name"])
	require.Equal(t, http.StatusNotFound, a.do(http.MethodGet, "/api/v1/fund-programs/"+rest[0].(map[string]any)["id"].(string)[:8], "", nil).Status)
}
