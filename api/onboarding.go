package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// OnboardingRequest is the body of POST and PUT /onboarding.
type OnboardingRequest struct {
	CollegeID      string `json:"college_id" validate:"required,uuid"`
	StudentNumber  string `json:"student_number" validate:"required,max=32,nocontrol"`
	FullName       string `json:"full_name" validate:"required,max=100,nocontrol"`
	EnrollmentYear int    `json:"enrollment_year" validate:"required,min=1950,max=2100"`
	Major          string `json:"major" validate:"required,max=100,nocontrol"`
	CollegeEmail   string `json:"college_email" validate:"required,email,max=254"`
	Phone          string `json:"phone" validate:"required,cnmobile"`
}

func (r OnboardingRequest) form() workflows.OnboardingForm {
	return workflows.OnboardingForm{
		CollegeID: r.CollegeID, StudentNumber: r.StudentNumber, FullName: r.FullName,
		EnrollmentYear: r.EnrollmentYear, Major: r.Major, CollegeEmail: r.CollegeEmail, Phone: r.Phone,
	}
}

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
	reasons := reasonViews(p.Reasons, pr)
	return ProfileView{
		ID: p.ID, AccountID: p.AccountID, CollegeID: p.CollegeID, StudentNumber: p.StudentNumber,
		FullName: p.FullName, EnrollmentYear: p.EnrollmentYear, Major: p.Major, CollegeEmail: p.CollegeEmail,
		Phone: p.Phone, Status: p.Status, Reasons: reasons, Revision: p.Revision,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), EventsURL: "/api/v1/onboarding/" + p.ID + "/events",
	}
}

func (s *server) submitOnboarding(c echo.Context) error {
	var req OnboardingRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx, flush := s.direct(c.Request().Context())
	sub, err := workflows.SubmitOnboarding(ctx, s.db, current(c).ID, req.form())
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, profileView(sub.Entity, s.printer(c)))
}

func (s *server) resubmitOnboarding(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req OnboardingRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx, flush := s.direct(c.Request().Context())
	sub, err := workflows.ResubmitOnboarding(ctx, s.db, current(c).ID, id, req.form())
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, profileView(sub.Entity, s.printer(c)))
}

func (s *server) getOnboarding(c echo.Context) error {
	prof, err := s.readableProfile(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, profileView(prof, s.printer(c)))
}

func (s *server) onboardingEvents(c echo.Context) error {
	prof, err := s.readableProfile(c)
	if err != nil {
		return err
	}
	return s.events(c, prof.ID)
}

// readableProfile loads the :id profile if the caller may read it (owner or
// admin); otherwise it is not found, so ids of others cannot be probed.
func (s *server) readableProfile(c echo.Context) (models.StudentProfile, error) {
	return readable(s, c, func(p models.StudentProfile) string { return p.AccountID }, nil)
}
