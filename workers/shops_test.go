package workers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// shopPage serves a shop page whose body is whatever body holds.
type shopPage struct {
	srv   *httptest.Server
	body  atomic.Value
	hits  atomic.Int64
	onHit atomic.Value // func(), run while each request is served
}

func newShopPage(t *testing.T) *shopPage {
	p := &shopPage{}
	p.body.Store("<html>欢迎光临</html>")
	p.onHit.Store(func() {})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p.hits.Add(1)
		p.onHit.Load().(func())()
		fmt.Fprint(w, p.body.Load())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// shopsHandler is shop:verify in mode, fetching loopback pages when
// allowLoopback is set.
func shopsHandler(t *testing.T, mode string, allowLoopback bool) *workers.Shops {
	t.Helper()
	var allow shopcheck.Allowlist
	if allowLoopback {
		var err error
		allow, err = shopcheck.ParseAllowlist("127.0.0.1")
		require.NoError(t, err)
	}
	return &workers.Shops{Mode: mode, Fetcher: shopcheck.New(shopcheck.Config{Timeout: 2 * time.Second, Allow: allow}), Now: time.Now}
}

func (e *engine) submitShop(acct models.Account, platformID, url string) workflows.Submitted[models.Shop] {
	e.t.Helper()
	sub, err := workflows.SubmitShop(context.Background(), e.schema.DB, acct.ID, workflows.ShopForm{
		PlatformShopID: platformID, ShopURL: url, ShopName: "小店", Category: "snacks"}, time.Time{})
	require.NoError(e.t, err)
	return sub
}

func (e *engine) shop(id string) models.Shop {
	e.t.Helper()
	var s models.Shop
	require.NoError(e.t, e.schema.DB.Take(&s, "id = ?", id).Error)
	return s
}

func TestShopVerifiedWhenTheCodeIsOnItsPage(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	page := newShopPage(t)
	h := shopsHandler(t, workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "王芳")
	sub := e.submitShop(acct, "tb-1001", page.srv.URL+"/shop/1001")
	ctx := context.Background()

	// First look: the code is not there yet.
	require.NoError(t, h.Run(ctx, e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	shop := e.shop(sub.Entity.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status)
	require.Equal(t, models.Reason{Field: "shop_url", Code: msg.ShopCodeNotFound,
		Params: map[string]any{"code": shop.VerificationCode, "url": shop.ShopURL}}, shop.Reasons[0],
		"the reason tells the student which code to place, and where")

	// The student places the code and asks again.
	page.body.Store("<html><div class=desc>小店简介 " + shop.VerificationCode + "</div></html>")
	re, err := workflows.RecheckShop(ctx, e.schema.DB, acct.ID, shop.ID, time.Time{})
	require.NoError(t, err)
	require.Equal(t, 2, re.Entity.Revision)
	require.Equal(t, shop.VerificationCode, re.Entity.VerificationCode, "the code stays")
	// The first task, delivered again late, is for revision 1: no effect.
	require.NoError(t, h.Run(ctx, e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	require.Equal(t, workflows.ShopPending, e.shop(shop.ID).Status)
	require.NoError(t, h.Run(ctx, e.runner, e.runOf(re.OutboxIDs[0], 0)))
	shop = e.shop(shop.ID)
	require.Equal(t, workflows.ShopVerified, shop.Status)
	require.NotNil(t, shop.VerifiedAt)
	require.Equal(t, 2, e.count(`SELECT count(*) FROM notifications WHERE account_id = ? AND entity_type = 'shop'`, acct.ID))
	require.Equal(t, 4, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ?`, shop.ID),
		"pending, rejected, pending, verified")
}

// The page is fetched before the step's transaction: a slow shop page holds
// neither a database connection nor the shop's row lock.
func TestShopPageIsFetchedWithTheShopUnlocked(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	page := newShopPage(t)
	h := shopsHandler(t, workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "周九")
	sub := e.submitShop(acct, "tb-7007", page.srv.URL+"/shop/7007")
	page.body.Store("店铺 " + sub.Entity.VerificationCode)
	lockErr := make(chan error, 1)
	page.onHit.Store(func() {
		lockErr <- e.schema.DB.Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`SELECT id FROM shops WHERE id = ? FOR UPDATE NOWAIT`, sub.Entity.ID).Error
		})
	})
	require.NoError(t, h.Run(context.Background(), e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	require.NoError(t, <-lockErr, "the shop was locked while its page loaded")
	require.Equal(t, workflows.ShopVerified, e.shop(sub.Entity.ID).Status)

	// Delivered again, the task finds the shop decided and fetches nothing.
	require.NoError(t, h.Run(context.Background(), e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	require.EqualValues(t, 1, page.hits.Load())
}

func TestShopUnreachablePageIsRetriedThenRejected(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL + "/shop"
	closed.Close()
	h := shopsHandler(t, workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "赵磊")
	sub := e.submitShop(acct, "tb-2002", url)
	ctx := context.Background()

	run := e.runOf(sub.OutboxIDs[0], 0)
	require.Equal(t, 8, run.MaxRetry)
	for attempt := range run.MaxRetry {
		run.Attempt = attempt
		err := h.Run(ctx, e.runner, run)
		require.ErrorIs(t, err, shopcheck.ErrUnreachable, "attempt %d is retried", attempt)
		require.Equal(t, workflows.ShopPending, e.shop(sub.Entity.ID).Status)
	}
	run.Attempt = run.MaxRetry
	require.Error(t, h.Run(ctx, e.runner, run))
	shop := e.shop(sub.Entity.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status)
	require.Equal(t, models.Reason{Field: "shop_url", Code: msg.ShopPageUnreachable, Params: map[string]any{"tries": 9.0}}, shop.Reasons[0])
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ?`, shop.ID))
}

func TestShopOnAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	page := newShopPage(t)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "钱七")
	sub := e.submitShop(acct, "tb-3003", page.srv.URL)
	page.body.Store(sub.Entity.VerificationCode)
	h := shopsHandler(t, workflows.ShopModeFetch, false) // no allow-list
	require.NoError(t, h.Run(context.Background(), e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	shop := e.shop(sub.Entity.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status, "the code is there, but the page is on loopback")
	require.Equal(t, models.Reason{Field: "shop_url", Code: msg.ShopPagePrivate}, shop.Reasons[0])
}

func TestShopManualModeWaitsForAnAdmin(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	h := shopsHandler(t, workflows.ShopModeManual, false)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "孙八")
	admin := fixtures.Account(t, e.schema.DB, models.RoleAdmin)
	sub := e.submitShop(acct, "tb-4004", "https://shop.example.com/4004")
	ctx := context.Background()
	require.NoError(t, h.Run(ctx, e.runner, e.runOf(sub.OutboxIDs[0], 0)))
	shop := e.shop(sub.Entity.ID)
	require.Equal(t, workflows.ShopPending, shop.Status)
	require.Equal(t, msg.ShopAwaitingAdmin, shop.Reasons[0].Code)

	confirmed, err := workflows.ConfirmShop(ctx, e.schema.DB, admin.ID, shop.ID, true, "")
	require.NoError(t, err)
	require.Equal(t, workflows.ShopVerified, confirmed.Entity.Status)
	_, err = workflows.ConfirmShop(ctx, e.schema.DB, admin.ID, shop.ID, false, "changed my mind")
	require.ErrorIs(t, err, workflows.ErrConflict, "a verified shop is final")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ?`, shop.ID))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND actor = ?`, shop.ID, workflows.ActorAccount(admin.ID)))
}

func TestShopClaimedByAnotherStudent(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	page := newShopPage(t)
	h := shopsHandler(t, workflows.ShopModeFetch, true)
	ctx := context.Background()
	const claimants = 4
	subs := make([]workflows.Submitted[models.Shop], claimants)
	codes := ""
	for i := range subs {
		acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, fmt.Sprintf("学生%d", i))
		subs[i] = e.submitShop(acct, "tb-5005", page.srv.URL+"/shop/5005")
		codes += " " + subs[i].Entity.VerificationCode
	}
	page.body.Store(codes) // every claimant's code is on the page: only one may win
	var g errgroup.Group
	for _, s := range subs {
		run := e.runOf(s.OutboxIDs[0], 0)
		g.Go(func() error {
			// The losers of the unique index are retried, as Asynq would.
			for attempt := 0; ; attempt++ {
				run.Attempt = attempt
				if err := h.Run(ctx, e.runner, run); err == nil || attempt == 3 {
					return err
				}
			}
		})
	}
	require.NoError(t, g.Wait())
	require.Equal(t, 1, e.count(`SELECT count(*) FROM shops WHERE status = 'verified'`))
	require.Equal(t, claimants-1, e.count(`SELECT count(*) FROM shops WHERE status = 'rejected'
		AND reasons @> '[{"code": "shop.id_claimed", "field": "platform_shop_id"}, {"code": "shop.url_claimed", "field": "shop_url"}]'`))

	t.Run("the database refuses a second verified claim", func(t *testing.T) {
		err := e.schema.DB.Exec(`UPDATE shops SET status = 'verified' WHERE status = 'rejected'`).Error
		require.Error(t, err)
	})
	t.Run("an unverified student's shop is rejected", func(t *testing.T) {
		acct := fixtures.Account(t, e.schema.DB, models.RoleApplicant)
		sub := e.submitShop(acct, "tb-6006", page.srv.URL+"/6006")
		before := page.hits.Load()
		require.NoError(t, h.Run(ctx, e.runner, e.runOf(sub.OutboxIDs[0], 0)))
		require.Equal(t, msg.ShopStudentNotVerified, e.shop(sub.Entity.ID).Reasons[0].Code)
		require.Equal(t, before, page.hits.Load(), "an ineligible shop's page is not fetched")
	})
}
