package app

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Readiness says whether each dependency answers: nil when it does, the
// error when it does not.
type Readiness struct {
	Postgres, Redis error
}

// Ready pings Postgres and Redis at once.
func (a *App) Ready(ctx context.Context) Readiness {
	var r Readiness
	var g errgroup.Group
	g.Go(func() error {
		sqlDB, err := a.db.DB()
		if err == nil {
			err = sqlDB.PingContext(ctx)
		}
		r.Postgres = err
		return nil
	})
	g.Go(func() error {
		if a.redis != nil {
			r.Redis = a.redis.Ping(ctx).Err()
		}
		return nil
	})
	_ = g.Wait() // the checks record their own failures
	return r
}
