package api

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// RequireVerified is the API's gate on shops, fund applications,
// enrollments and internship applications: accountID's student profile when
// it is verified, otherwise the API's 403 telling them to finish onboarding.
func (k *PageKit) RequireVerified(ctx context.Context, accountID string) (models.StudentProfile, error) {
	return k.s.verifiedProfile(ctx, accountID)
}

// ShopCheckAt is when the first ownership check of a shop submitted now
// runs, as POST /shops schedules it (zero: at once).
func (k *PageKit) ShopCheckAt() time.Time { return k.s.shopCheckAt() }

// Form is the domain form of the request, as POST /shops submits it.
func (r ShopRequest) Form() workflows.ShopForm { return r.form() }

// Check applies the rule POST /admin/shops/{id}/confirm adds to the
// request's own: a rejection must give its reason (a 422 on "reason").
func (r ConfirmShopRequest) Check() error { return r.check() }

// Form is the domain form of the request, as POST /admin/fund-programs
// reads it; times that are not RFC 3339 are a 422 on their field.
func (r FundProgramRequest) Form() (workflows.ProgramForm, error) { return r.form() }
