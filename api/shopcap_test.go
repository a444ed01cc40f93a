package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestShopChecksWaitingAreCappedPerAccount(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	owner, _ := fixtures.VerifiedStudent(t, a.schema.DB, "李雷")
	tok := fixtures.Token(t, a.schema.DB, owner)
	_, admin := a.user(models.RoleAdmin)
	link := func(i int) response {
		return a.do(http.MethodPost, "/api/v1/shops", tok, map[string]any{"platform_shop_id": fmt.Sprintf("tb-cap-%d", i),
			"shop_url": fmt.Sprintf("https://shop.example.com/cap/%d", i), "shop_name": "李雷的店", "category": "tea"})
	}
	var first string
	for i := range 5 {
		r := link(i)
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		if i == 0 {
			first = r.JSON(t)["id"].(string)
		}
	}
	require.Equal(t, 5, a.count(`SELECT count(*) FROM outbox WHERE task_type = 'shop:verify' AND fair_key = ''`),
		"shop checks are bounded by their queue, not by their college's share")

	r := link(5)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	field := r.Error(t)["field_reasons"].(map[string]any)["shop_url"].(map[string]any)
	require.Equal(t, msg.ShopChecksWaiting, field["code"])
	require.Equal(t, 5, a.count(`SELECT count(*) FROM shops WHERE account_id = ?`, owner.ID), "nothing written")
	require.Equal(t, 5, a.count(`SELECT count(*) FROM outbox WHERE task_type = 'shop:verify'`))

	// One is decided: the owner may link another, but not recheck beyond the cap.
	r = a.do(http.MethodPost, "/api/v1/admin/shops/"+first+"/confirm", admin, map[string]any{"verified": false, "reason": "no code"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, http.StatusAccepted, link(6).Status)
	r = a.do(http.MethodPost, "/api/v1/shops/"+first+"/recheck", tok, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	require.Equal(t, "rejected", a.do(http.MethodGet, "/api/v1/shops/"+first, tok, nil).JSON(t)["status"], "unchanged")
}
