package api

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// limitSubmissions is route middleware, placed after authenticate, that
// answers 429 with Retry-After once the signed-in account has used its
// submission budget (Config.SubmitRate a minute; admins ten times that).
// It runs before the handler, so a refused request writes nothing.
func (s *server) limitSubmissions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, wait := s.allowSubmit(c.Request().Context(), current(c)); !ok {
			return rateLimited(c.Response().Header(), wait)
		}
		return next(c)
	}
}

// allowSubmit takes one submission from acct's budget.
func (s *server) allowSubmit(ctx context.Context, acct models.Account) (bool, time.Duration) {
	lim := s.limits.submit
	if acct.Role == models.RoleAdmin {
		lim = s.limits.adminSubmit
	}
	return lim.Allow(ctx, acct.ID)
}
