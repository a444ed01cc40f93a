package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestPendingPagesUpdateThemselves: with a shop pending on the dashboard
// and on the shops page, an admin's decision shows on each page without a
// reload (a value the test leaves in the page's window survives).
func TestPendingPagesUpdateThemselves(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := tab(t)
	db := s.schema.DB
	student, _ := fixtures.VerifiedStudent(t, db, "吴芳")
	admin := app.ActorOf(fixtures.Account(t, db, models.RoleAdmin))
	first := s.delayedShop(student, app.ShopInput{PlatformShopID: "tb-31", ShopURL: "https://fang.invalid/",
		ShopName: "吴芳的茶", Category: "tea"})
	second := s.delayedShop(student, app.ShopInput{PlatformShopID: "tb-32", ShopURL: "https://fang2.invalid/",
		ShopName: "吴芳的花", Category: "flowers"})
	browserSignIn(t, ctx, s, student, ".next")

	for _, tc := range []struct{ path, badge, shopID string }{
		{"/dashboard?lang=zh", "#wf-shop-" + first.ID + " .state", first.ID},
		{"/shops?lang=zh", "#shop-" + second.ID + " .state", second.ID},
	} {
		run(t, ctx, chromedp.Navigate(s.url+tc.path), chromedp.WaitVisible(tc.badge+"[data-state=pending]", chromedp.ByQuery),
			chromedp.Evaluate(`window.notReloaded = true`, nil))
		verified := true
		_, err := s.app.ConfirmShop(context.Background(), admin, tc.shopID, app.ConfirmShopInput{Verified: &verified})
		require.NoError(t, err)

		wait, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = chromedp.Run(wait, chromedp.WaitVisible(tc.badge+"[data-state=verified]", chromedp.ByQuery))
		cancel()
		require.NoError(t, err, "%s shows the decision by itself", tc.path)
		var same bool
		run(t, ctx, chromedp.Evaluate(`window.notReloaded === true`, &same))
		require.True(t, same, "%s was not reloaded", tc.path)
		require.Equal(t, "已认证", textOf(t, ctx, tc.badge))
		require.Equal(t, "刚刚已更新。", textOf(t, ctx, "#live-status"))
	}
	screenshots(t, ctx, "shops-live-zh")
}
