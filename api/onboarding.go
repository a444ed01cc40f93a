package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// ProfileView is a student profile as its owner and admins see it.
type ProfileView struct {
	ID             string       `json:"id"`
	AccountID      string       `json:"account_id"`
	CollegeID      string       `json:"college_id"`
	StudentNumber  string       `json:"student_number"`
	FullName       string       `json:"full_name"`
	EnrollmentYear int          `json:"enrollment_year"`
	Major          string       `json:"major"`
	CollegeEmail   string       `json:"college_email"`
	Phone          string       `json:"phone"`
	Status         string       `json:"status"`
	Reasons        []ReasonView `json:"reasons"`
	Revision       int          `json:"revision"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
	EventsURL      string       `json:"events_url"`
}

func profileView(p models.StudentProfile, pr i18n.Printer) ProfileView {
	return ProfileView{
		ID: p.ID, AccountID: p.AccountID, CollegeID: p.CollegeID, StudentNumber: p.StudentNumber,
		FullName: p.FullName, EnrollmentYear: p.EnrollmentYear, Major: p.Major, CollegeEmail: p.CollegeEmail,
		Phone: p.Phone, Status: p.Status, Reasons: reasonViews(p.Reasons, pr), Revision: p.Revision,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), EventsURL: "/api/v1/onboarding/" + p.ID + "/events",
	}
}

func (s *server) submitOnboarding(c echo.Context) error {
	var in app.OnboardingInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	prof, err := s.app.SubmitOnboarding(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, profileView(prof, printer(c)))
}

func (s *server) resubmitOnboarding(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.OnboardingInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	prof, err := s.app.ResubmitOnboarding(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, profileView(prof, printer(c)))
}

func (s *server) getOnboarding(c echo.Context) error {
	prof, err := s.app.Profile(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, profileView(prof, printer(c)))
}

// confirmEmailCode proves the profile's college mailbox with its code:
// 200 with the verified profile; a wrong, lapsed or burnt code is a 422
// naming "code".
func (s *server) confirmEmailCode(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.EmailCodeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	prof, err := s.app.ConfirmEmailCode(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, profileView(prof, printer(c)))
}

// resendEmailCode mails a new code: 202 with the profile; 429 with
// Retry-After within the cooldown or over the hourly cap.
func (s *server) resendEmailCode(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	prof, err := s.app.ResendEmailCode(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, profileView(prof, printer(c)))
}
