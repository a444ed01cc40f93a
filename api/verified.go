package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// requireVerified returns the signed-in applicant's student profile when it
// is verified. Anyone else (no profile yet, or one still pending, rejected or
// needing information) gets a 403 telling them to finish onboarding first.
// Routes that only verified students may use call it before anything else.
func (s *server) requireVerified(c echo.Context) (models.StudentProfile, error) {
	return s.verifiedProfile(c.Request().Context(), current(c).ID)
}

// verifiedProfile is requireVerified for accountID.
func (s *server) verifiedProfile(ctx context.Context, accountID string) (models.StudentProfile, error) {
	var prof models.StudentProfile
	err := s.db.WithContext(ctx).Take(&prof, "account_id = ?", accountID).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return models.StudentProfile{}, newError(http.StatusForbidden, msg.OnboardingRequired)
	case err != nil:
		return models.StudentProfile{}, fmt.Errorf("load the student profile of %s: %w", accountID, err)
	case prof.Status != workflows.OnboardingVerified:
		return models.StudentProfile{}, newError(http.StatusForbidden, msg.OnboardingNotVerified,
			msg.Text("status", prof.Status), msg.Text("profile_id", prof.ID))
	}
	return prof, nil
}
