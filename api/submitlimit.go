package api

import (
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// adminSubmitFactor is how many times the submission budget of an
// applicant or reviewer an admin gets: admins run programmes and record
// results in batches.
const adminSubmitFactor = 10

// submitLimits hold the per-account budgets of the routes that start or
// change workflows.
type submitLimits struct {
	people *limiter
	admins *limiter
}

func newSubmitLimits(perMinute int) submitLimits {
	return submitLimits{
		people: newLimiter(perMinute, perMinute),
		admins: newLimiter(adminSubmitFactor*perMinute, adminSubmitFactor*perMinute),
	}
}

// limitSubmissions is route middleware, placed after authenticate, that
// answers 429 with Retry-After once the signed-in account has used its
// submission budget (Config.SubmitRate a minute; admins ten times that).
// It runs before the handler, so a refused request writes nothing.
func (s *server) limitSubmissions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, wait := s.allowSubmit(current(c)); !ok {
			return rateLimited(c.Response().Header(), wait)
		}
		return next(c)
	}
}

// allowSubmit takes one submission from acct's budget.
func (s *server) allowSubmit(acct models.Account) (bool, time.Duration) {
	lim := s.submits.people
	if acct.Role == models.RoleAdmin {
		lim = s.submits.admins
	}
	return lim.allow(acct.ID)
}
