package workers

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/hibiken/asynq"
)

// NewShopServer returns the Asynq server of the shops queue alone: shop-page
// fetches, slow outside work, run at most cfg.Concurrency at once
// (SHOP_CONCURRENCY, default 4) by workers of their own, so that slow pages
// never hold the workers of the other queues. A page that timed out or
// could not be reached is fetched again only after a jittered exponential
// back-off (shopRetryDelay). Start it with the same mux as NewServer.
func NewShopServer(ctx context.Context, redis asynq.RedisConnOpt, cfg ServerConfig, log *slog.Logger) *asynq.Server {
	return newServer(ctx, redis, cfg, serverSpec{concurrency: 4, queues: map[string]int{engine.QueueShops: 1},
		retryDelay: shopRetryDelay, logger: slogAdapter{log.With("component", "asynq-shops")}})
}

// shopRetryBase is the first back-off of a page that could not be fetched.
const shopRetryBase = 15 * time.Second

// shopRetryDelay backs a failed page off exponentially from shopRetryBase,
// capped at an hour, with jitter (a uniform draw from the upper half), so
// that the pages of one slow site do not all come back at once. Other
// failures retry as on the main pool.
func shopRetryDelay(n int, err error, task *asynq.Task) time.Duration {
	if !errors.Is(err, shopcheck.ErrUnreachable) {
		return retryDelay(n, err, task)
	}
	d := min(shopRetryBase<<min(n, 12), time.Hour)
	return d/2 + rand.N(d/2+1)
}
