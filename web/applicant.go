package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// timelineLimit is how many events of each workflow the dashboard shows.
const timelineLimit = 20

// tracked is one workflow on the dashboard: its status and timeline.
type tracked struct {
	Kind   string
	ID     string
	Label  string
	Status string
	// Reasons say why a state was reached (rejected, needs_info, ...).
	Reasons  []models.Reason
	Timeline []models.WorkflowEvent
	// PDF links a certificate's download, when one is issued.
	PDF string
	// Code is a shop's verification code, until the shop is verified.
	Code string
	// Actions are the buttons the workflow's state allows.
	Actions []Action
}

// Action is a button that posts to Path; Label is a catalog key.
type Action struct {
	Path, Label string
}

// Actions is what the applicant may do with a workflow of kind in state
// status: check a rejected shop again, withdraw a fund application before
// it is paid, answer an internship offer.
func Actions(kind, id, status string) []Action {
	switch {
	case kind == "shop" && workflows.ShopMachine.Allows(status, workflows.ShopPending):
		return []Action{{"/shops/" + id + "/recheck", "shop.recheck"}}
	case kind == "fund" && workflows.FundMachine.Allows(status, workflows.FundWithdrawn):
		return []Action{{"/fund/" + id + "/withdraw", "fund.withdraw"}}
	case kind == "internship" && status == workflows.InternshipOffered:
		return []Action{{"/internships/" + id + "/accept", "internship.accept"}, {"/internships/" + id + "/decline", "internship.decline"}}
	}
	return nil
}

// dashboardData is the applicant's dashboard.
type dashboardData struct {
	Next      string
	Workflows []tracked
}

// NextStep is the catalog key of the next thing an applicant should do,
// given their onboarding status ("" without a profile) and whether they
// have a shop.
func NextStep(onboarding string, hasShop bool) string {
	switch onboarding {
	case "":
		return "next.onboard"
	case workflows.OnboardingPending:
		return "next.wait"
	case workflows.OnboardingNeedsInfo, workflows.OnboardingRejected:
		return "next.resubmit"
	}
	if !hasShop {
		return "next.shop"
	}
	return "next.explore"
}

func (s *site) dashboard(c echo.Context) error {
	acct, _ := account(c)
	if acct.Role != models.RoleApplicant {
		return c.Redirect(http.StatusSeeOther, homeOf(acct.Role))
	}
	ctx := c.Request().Context()
	db := s.db.WithContext(ctx)
	var d dashboardData
	prof, err := s.profileOf(c, acct.ID)
	if err != nil {
		return s.failWith(c, err)
	}
	if prof != nil {
		d.Workflows = append(d.Workflows, tracked{Kind: "onboarding", ID: prof.ID, Label: prof.FullName,
			Status: prof.Status, Reasons: prof.Reasons})
	}
	var shops []models.Shop
	var funds []models.FundApplication
	var interns []models.InternshipApplication
	var enrolls []models.Enrollment
	for _, q := range []struct {
		what string
		dst  any
	}{{"shops", &shops}, {"fund applications", &funds}, {"internship applications", &interns}, {"enrollments", &enrolls}} {
		if err := db.Where("account_id = ?", acct.ID).Order("id DESC").Limit(10).Find(q.dst).Error; err != nil {
			return s.failWith(c, fmt.Errorf("load %s of %s: %w", q.what, acct.ID, err))
		}
	}
	for _, sh := range shops {
		t := tracked{Kind: "shop", ID: sh.ID, Label: sh.ShopName, Status: sh.Status, Reasons: sh.Reasons}
		if sh.Status != workflows.ShopVerified {
			t.Code = sh.VerificationCode
		}
		d.Workflows = append(d.Workflows, t)
	}
	for _, f := range funds {
		d.Workflows = append(d.Workflows, tracked{Kind: "fund", ID: f.ID, Label: printer(c.Get(ctxLang).(string)).Money(f.AmountFen),
			Status: f.Status, Reasons: f.Reasons})
	}
	for _, a := range interns {
		t := tracked{Kind: "internship", ID: a.ID, Label: strconv.Itoa(len(a.Preferences)), Status: a.Status}
		if a.OfferPlaceID != nil {
			var p models.InternshipPlace
			if err := db.Take(&p, "id = ?", *a.OfferPlaceID).Error; err != nil {
				return s.failWith(c, fmt.Errorf("load offered place of %s: %w", a.ID, err))
			}
			t.Label = p.Company + " · " + p.Title + " · " + p.City
		}
		d.Workflows = append(d.Workflows, t)
	}
	for _, e := range enrolls {
		t := tracked{Kind: "enrollment", ID: e.ID, Status: e.Status, Reasons: e.Reasons}
		var cert models.Certificate
		err := db.Omit("pdf", "credential").Where("enrollment_id = ?", e.ID).Take(&cert).Error
		switch {
		case err == nil:
			t.Label, t.PDF = cert.Serial, "/api/v1/certificates/"+cert.Serial+"/pdf"
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return s.failWith(c, fmt.Errorf("load certificate of %s: %w", e.ID, err))
		}
		d.Workflows = append(d.Workflows, t)
	}
	for i := range d.Workflows {
		w := &d.Workflows[i]
		w.Actions = Actions(w.Kind, w.ID, w.Status)
		evs, err := workflows.Events(ctx, s.db, d.Workflows[i].ID, 0, timelineLimit)
		if err != nil {
			return s.failWith(c, err)
		}
		d.Workflows[i].Timeline = evs
	}
	status := ""
	if prof != nil {
		status = prof.Status
	}
	d.Next = NextStep(status, len(shops) > 0)
	v := s.newView(c, "dashboard.title")
	v.Data = d
	return s.render(c, http.StatusOK, "dashboard", v)
}

// profileOf is accountID's student profile, nil when there is none.
func (s *site) profileOf(c echo.Context, accountID string) (*models.StudentProfile, error) {
	var prof models.StudentProfile
	err := s.db.WithContext(c.Request().Context()).Where("account_id = ?", accountID).Take(&prof).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load profile of %s: %w", accountID, err)
	}
	return &prof, nil
}

// onboardingPage is what the onboarding form shows besides the fields.
type onboardingPage struct {
	Colleges []models.College
	Profile  *models.StudentProfile
}

func (s *site) onboardingView(c echo.Context, prof *models.StudentProfile) (view, error) {
	var colleges []models.College
	// The form offers the partner colleges; the programme has about a
	// thousand, small enough for one list, ordered as the API orders them.
	if err := s.db.WithContext(c.Request().Context()).Order("name").Limit(2000).Find(&colleges).Error; err != nil {
		return view{}, fmt.Errorf("load colleges: %w", err)
	}
	v := s.newView(c, "onboarding.title")
	v.Data = onboardingPage{Colleges: colleges, Profile: prof}
	return v, nil
}

func (s *site) onboardingForm(c echo.Context) error {
	acct, _ := account(c)
	prof, err := s.profileOf(c, acct.ID)
	if err != nil {
		return s.failWith(c, err)
	}
	v, err := s.onboardingView(c, prof)
	if err != nil {
		return s.failWith(c, err)
	}
	if prof != nil {
		v.Form.Set("college_id", prof.CollegeID)
		v.Form.Set("student_number", prof.StudentNumber)
		v.Form.Set("full_name", prof.FullName)
		v.Form.Set("enrollment_year", strconv.Itoa(prof.EnrollmentYear))
		v.Form.Set("major", prof.Major)
		v.Form.Set("college_email", prof.CollegeEmail)
		v.Form.Set("phone", prof.Phone)
	}
	return s.render(c, http.StatusOK, "onboarding", v)
}

// submitOnboarding submits the profile, or resubmits it when one exists
// (the domain refuses a resubmission that is not due, as PUT does).
func (s *site) submitOnboarding(c echo.Context) error {
	acct, _ := account(c)
	prof, err := s.profileOf(c, acct.ID)
	if err != nil {
		return s.failWith(c, err)
	}
	v, err := s.onboardingView(c, prof)
	if err != nil {
		return s.failWith(c, err)
	}
	var req api.OnboardingRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "onboarding", v, problems)
	}
	f := req.Form()
	ctx, flush := s.kit.Direct(c.Request().Context())
	if prof == nil {
		_, err = workflows.SubmitOnboarding(ctx, s.db, acct.ID, f)
	} else {
		_, err = workflows.ResubmitOnboarding(ctx, s.db, acct.ID, prof.ID, f)
	}
	if err != nil {
		return s.submitted(c, "onboarding", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}
