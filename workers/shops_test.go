package workers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
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

// shopsHandlers are the task steps with shop:verify in mode, fetching
// loopback pages when allowLoopback is set.
func (e *backend) shopsHandlers(mode string, allowLoopback bool) *workers.Handlers {
	e.t.Helper()
	var allow shopcheck.Allowlist
	if allowLoopback {
		var err error
		allow, err = shopcheck.ParseAllowlist("127.0.0.1")
		require.NoError(e.t, err)
	}
	return e.handlers(workers.Deps{ShopVerification: mode,
		ShopFetcher: shopcheck.New(shopcheck.Config{Timeout: 2 * time.Second, Allow: allow})})
}

// linkedShop is a shop linked through the application and its newest
// shop:verify task.
type linkedShop struct {
	shop   models.Shop
	taskID string
}

// submitShop links a shop for acct, a verified student, through the
// application; its check is due at once.
func (e *backend) submitShop(acct models.Account, platformID, url string) linkedShop {
	e.t.Helper()
	shop, err := e.app.SubmitShop(context.Background(), app.ActorOf(acct), app.ShopInput{
		PlatformShopID: platformID, ShopURL: url, ShopName: "小店", Category: "snacks"})
	require.NoError(e.t, err)
	return linkedShop{shop: shop, taskID: e.taskOf(workflows.TypeShopVerify, "shop_id", shop.ID)}
}

func (e *backend) shop(id string) models.Shop {
	e.t.Helper()
	var s models.Shop
	require.NoError(e.t, e.schema.DB.Take(&s, "id = ?", id).Error)
	return s
}

func TestShopVerifiedWhenTheCodeIsOnItsPage(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	page := newShopPage(t)
	h := e.shopsHandlers(workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "王芳")
	sub := e.submitShop(acct, "tb-1001", page.srv.URL+"/shop/1001")
	ctx := context.Background()

	// First look: the code is not there yet.
	require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
	shop := e.shop(sub.shop.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status)
	require.Equal(t, msg.ShopCodeNotFound, shop.Reasons[0].Code)
	require.Equal(t, shop.VerificationCode, shop.Reasons[0].Params["code"], "the reason tells the student which code to place")
	require.Equal(t, shop.ShopURL, shop.Reasons[0].Params["url"], "and where")
	require.Contains(t, i18n.NewPrinter(i18n.EN, time.UTC).Reason(shop.Reasons[0]), shop.VerificationCode)

	// The student places the code and asks again.
	page.body.Store("<html><div class=desc>小店简介 " + shop.VerificationCode + "</div></html>")
	re, err := e.app.RecheckShop(ctx, app.ActorOf(acct), shop.ID)
	require.NoError(t, err)
	require.Equal(t, 2, re.Revision)
	require.Equal(t, shop.VerificationCode, re.VerificationCode, "the code stays")
	recheck := e.taskOf(workflows.TypeShopVerify, "shop_id", shop.ID)
	require.NotEqual(t, sub.taskID, recheck)
	// The first task, delivered again late, is for revision 1: no effect.
	require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
	require.Equal(t, workflows.ShopPending, e.shop(shop.ID).Status)
	require.NoError(t, e.deliver(ctx, h, e.runOf(recheck, 0)))
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
	e := newBackend(t)
	page := newShopPage(t)
	h := e.shopsHandlers(workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "周九")
	sub := e.submitShop(acct, "tb-7007", page.srv.URL+"/shop/7007")
	page.body.Store("店铺 " + sub.shop.VerificationCode)
	lockErr := make(chan error, 1)
	page.onHit.Store(func() {
		lockErr <- e.schema.DB.Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`SELECT id FROM shops WHERE id = ? FOR UPDATE NOWAIT`, sub.shop.ID).Error
		})
	})
	require.NoError(t, e.deliver(context.Background(), h, e.runOf(sub.taskID, 0)))
	require.NoError(t, <-lockErr, "the shop was locked while its page loaded")
	require.Equal(t, workflows.ShopVerified, e.shop(sub.shop.ID).Status)

	// Delivered again, the task finds the shop decided and fetches nothing.
	require.NoError(t, e.deliver(context.Background(), h, e.runOf(sub.taskID, 0)))
	require.EqualValues(t, 1, page.hits.Load())
}

func TestShopUnreachablePageIsRetriedThenRejected(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL + "/shop"
	closed.Close()
	h := e.shopsHandlers(workflows.ShopModeFetch, true)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "赵磊")
	sub := e.submitShop(acct, "tb-2002", url)
	ctx := context.Background()

	run := e.runOf(sub.taskID, 0)
	require.Equal(t, 8, run.MaxRetry)
	for attempt := range run.MaxRetry {
		run.Attempt = attempt
		err := e.deliver(ctx, h, run)
		require.ErrorIs(t, err, shopcheck.ErrUnreachable, "attempt %d is retried", attempt)
		require.Equal(t, workflows.ShopPending, e.shop(sub.shop.ID).Status)
	}
	run.Attempt = run.MaxRetry
	require.Error(t, e.deliver(ctx, h, run))
	shop := e.shop(sub.shop.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status)
	require.Equal(t, msg.ShopPageUnreachable, shop.Reasons[0].Code)
	require.EqualValues(t, 9, shop.Reasons[0].Params["tries"], "after 9 tries")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ?`, shop.ID))
}

func TestShopOnAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	page := newShopPage(t)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "钱七")
	sub := e.submitShop(acct, "tb-3003", page.srv.URL)
	page.body.Store(sub.shop.VerificationCode)
	h := e.shopsHandlers(workflows.ShopModeFetch, false) // no allow-list
	require.NoError(t, e.deliver(context.Background(), h, e.runOf(sub.taskID, 0)))
	shop := e.shop(sub.shop.ID)
	require.Equal(t, workflows.ShopRejected, shop.Status, "the code is there, but the page is on loopback")
	require.Equal(t, msg.ShopPagePrivate, shop.Reasons[0].Code, "private or local network")
}

func TestShopManualModeWaitsForAnAdmin(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	h := e.shopsHandlers(workflows.ShopModeManual, false)
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "孙八")
	admin := fixtures.Account(t, e.schema.DB, models.RoleAdmin)
	sub := e.submitShop(acct, "tb-4004", "https://shop.example.com/4004")
	ctx := context.Background()
	require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
	shop := e.shop(sub.shop.ID)
	require.Equal(t, workflows.ShopPending, shop.Status)
	require.Equal(t, msg.ShopAwaitingAdmin, shop.Reasons[0].Code)

	confirmed, err := e.app.ConfirmShop(ctx, app.ActorOf(admin), shop.ID, app.ConfirmShopInput{Verified: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, workflows.ShopVerified, confirmed.Status)
	_, err = e.app.ConfirmShop(ctx, app.ActorOf(admin), shop.ID, app.ConfirmShopInput{Verified: ptr(false), Reason: "changed my mind"})
	require.ErrorIs(t, err, workflows.ErrConflict, "a verified shop is final")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM notifications WHERE entity_id = ?`, shop.ID))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM workflow_events WHERE entity_id = ? AND actor = ?`, shop.ID, engine.ActorAccount(admin.ID)))
}

func TestShopClaimedByAnotherStudent(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	page := newShopPage(t)
	h := e.shopsHandlers(workflows.ShopModeFetch, true)
	ctx := context.Background()
	const claimants = 4
	subs := make([]linkedShop, claimants)
	codes := ""
	for i := range subs {
		acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, fmt.Sprintf("学生%d", i))
		subs[i] = e.submitShop(acct, "tb-5005", page.srv.URL+"/shop/5005")
		codes += " " + subs[i].shop.VerificationCode
	}
	page.body.Store(codes) // every claimant's code is on the page: only one may win
	var g errgroup.Group
	for _, s := range subs {
		run := e.runOf(s.taskID, 0)
		g.Go(func() error {
			// The losers of the unique index are retried, as Asynq would.
			for attempt := 0; ; attempt++ {
				run.Attempt = attempt
				if err := e.deliver(ctx, h, run); err == nil || attempt == 3 {
					return err
				}
			}
		})
	}
	require.NoError(t, g.Wait())
	require.Equal(t, 1, e.count(`SELECT count(*) FROM shops WHERE status = 'verified'`))
	require.Equal(t, claimants-1, e.count(`SELECT count(*) FROM shops WHERE status = 'rejected'
		AND reasons @> ?::jsonb`, `[{"code": "`+msg.ShopIDClaimed+`"}]`), "each loser is told the shop is claimed")

	t.Run("the database refuses a second verified claim", func(t *testing.T) {
		err := e.schema.DB.Exec(`UPDATE shops SET status = 'verified' WHERE status = 'rejected'`).Error
		require.Error(t, err)
	})
	t.Run("an unverified student's shop is rejected", func(t *testing.T) {
		acct, prof := fixtures.VerifiedStudent(t, e.schema.DB, "学生六")
		sub := e.submitShop(acct, "tb-6006", page.srv.URL+"/6006")
		// The student's verification is withdrawn before the check runs.
		require.NoError(t, e.schema.DB.Model(&prof).Update("status", workflows.OnboardingNeedsInfo).Error)
		before := page.hits.Load()
		require.NoError(t, e.deliver(ctx, h, e.runOf(sub.taskID, 0)))
		require.Equal(t, msg.ShopStudentNotVerified, e.shop(sub.shop.ID).Reasons[0].Code)
		require.Equal(t, before, page.hits.Load(), "an ineligible shop's page is not fetched")
	})
}

// One page proves one shop: the same student linking the same page under a
// second shop id (written with percent-encodings) is refused at once, and
// two such shops that slipped in together (concurrent requests) end with
// one verified and the other rejected, never one retried until archived.
func TestShopSamePageUnderTwoIDs(t *testing.T) {
	t.Parallel()
	e := newBackend(t)
	page := newShopPage(t)
	h := e.shopsHandlers(workflows.ShopModeFetch, true)
	ctx := context.Background()
	acct, _ := fixtures.VerifiedStudent(t, e.schema.DB, "李雷")
	first := e.submitShop(acct, "tb-7007", page.srv.URL+"/shop/7007")

	_, err := e.app.SubmitShop(ctx, app.ActorOf(acct), app.ShopInput{
		PlatformShopID: "tb-7008", ShopURL: page.srv.URL + "/%73hop/%37007/", ShopName: "小店", Category: "snacks"})
	require.ErrorIs(t, err, workflows.ErrConflict)
	require.Equal(t, msg.ShopURLLinked, app.ProblemOf(err).Msg.Code)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM shops WHERE account_id = ?`, acct.ID), "nothing written")

	// The race: a second shop with the same page inserted beside the first.
	twin := first.shop
	twin.ID, twin.PlatformShopID, twin.ShopURL = models.NewID(), "tb-7008", page.srv.URL+"/%73hop/7007"
	require.NoError(t, e.schema.DB.Create(&twin).Error)
	twinTask := e.enqueue(workflows.NewShopVerifyTask(twin.ID, twin.Revision, time.Time{}))
	page.body.Store(first.shop.VerificationCode) // both shops carry the same code
	require.NoError(t, e.deliver(ctx, h, e.runOf(first.taskID, 0)))
	require.NoError(t, e.deliver(ctx, h, e.runOf(twinTask, 0)), "decided on its first run, not retried")
	require.Equal(t, workflows.ShopVerified, e.shop(first.shop.ID).Status)
	loser := e.shop(twin.ID)
	require.Equal(t, workflows.ShopRejected, loser.Status)
	require.Equal(t, msg.ShopURLClaimed, loser.Reasons[0].Code)
}
