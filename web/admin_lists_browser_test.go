package web_test

import (
	"fmt"
	"testing"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestAdminShopListBulkInBrowser: an admin filters the shop list to the
// pending shops, ticks two, verifies them together, and reads the outcome;
// the page is shot at desktop and phone widths (admin-list-*.png).
func TestAdminShopListBulkInBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	students, _ := fixtures.VerifiedStudents(t, db, 6)
	shops := fixtures.VerifiedShops(t, db, students)
	for i, sh := range shops[:4] {
		require.NoError(t, db.Exec(`UPDATE shops SET status = 'pending', shop_name = ? WHERE id = ?`, fmt.Sprintf("校园手作小店 %d", i+1), sh.ID).Error)
	}
	ctx := tab(t)
	browserSignIn(t, ctx, s, fixtures.Account(t, db, models.RoleAdmin), `header a[href="/admin"]`)
	run(t, ctx, chromedp.Navigate(s.url+"/admin/lists/shops?lang=zh"), chromedp.WaitVisible("#status", chromedp.ByQuery),
		chromedp.SetValue("#status", "pending", chromedp.ByQuery),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`input[name=shop_ids]`, chromedp.ByQuery))
	require.Equal(t, "4 条结果", textOf(t, ctx, ".count"), "the count of the filter")
	screenshots(t, ctx, "admin-list")
	run(t, ctx,
		chromedp.Click(`input[value="`+shops[0].ID+`"]`, chromedp.ByQuery),
		chromedp.Click(`input[value="`+shops[1].ID+`"]`, chromedp.ByQuery),
		chromedp.Click(`input[name=verified][value=true]`, chromedp.ByQuery),
		chromedp.Click(`#bulk button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.notice`, chromedp.ByQuery))
	require.Equal(t, "2 家店铺中已处理 2 家。", textOf(t, ctx, "p.notice"))
	require.Equal(t, 2, count(t, s, "SELECT count(*) FROM shops WHERE status = 'pending'"))
}
