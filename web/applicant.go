package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

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
	// Credential links the certificate's W3C Verifiable Credential (JSON),
	// with the PDF.
	Credential string
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
// given their onboarding status ("" without a profile) and the states of
// their other workflows by kind ("shop", "fund", "internship"): finish
// onboarding first; then answer an internship offer; then get a shop
// verified; and the fund is suggested only while no application of theirs
// is in progress.
func NextStep(onboarding string, states map[string][]string) string {
	switch onboarding {
	case "":
		return "next.onboard"
	case workflows.OnboardingPending:
		return "next.wait"
	case workflows.OnboardingNeedsInfo, workflows.OnboardingRejected:
		return "next.resubmit"
	case workflows.OnboardingAwaitingEmail:
		return "next.email_code"
	}
	has := func(kind string, in ...string) bool {
		for _, s := range states[kind] {
			if slices.Contains(in, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("internship", workflows.InternshipOffered):
		return "next.offer"
	case len(states["shop"]) == 0:
		return "next.shop"
	case has("shop", workflows.ShopVerified):
	case has("shop", workflows.ShopPending):
		return "next.shopwait"
	default: // every shop rejected
		return "next.fixshop"
	}
	if has("fund", workflows.FundSubmitted, workflows.FundScreening, workflows.FundInReview, workflows.FundApproved, workflows.FundWaitlisted) {
		return "next.fundwait"
	}
	return "next.explore"
}

func (s *site) dashboard(c echo.Context) error {
	acct, _ := account(c)
	if acct.Role != models.RoleApplicant {
		return c.Redirect(http.StatusSeeOther, homeOf(acct.Role))
	}
	v := s.newView(c, "dashboard.title") // the live version before the workflows
	d, err := s.app.Dashboard(c.Request().Context(), actor(c))
	if err != nil {
		return s.failWith(c, err)
	}
	page := dashboardData{Workflows: make([]tracked, len(d.Workflows))}
	states := map[string][]string{}
	for i, w := range d.Workflows {
		page.Workflows[i] = trackedOf(w, v)
		states[w.Kind] = append(states[w.Kind], page.Workflows[i].Status)
	}
	status := ""
	if d.Profile != nil {
		status = d.Profile.Status
	}
	page.Next = NextStep(status, states)
	v.Data = page
	return s.render(c, http.StatusOK, "dashboard", v)
}

// trackedOf is how the dashboard shows one of the applicant's workflows.
func trackedOf(w app.Tracked, v view) tracked {
	t := tracked{Kind: w.Kind, ID: w.ID(), Label: w.Name, Timeline: w.Timeline}
	switch {
	case w.Profile != nil:
		t.Status, t.Reasons = w.Profile.Status, w.Profile.Reasons
	case w.Shop != nil:
		t.Status, t.Reasons = w.Shop.Status, w.Shop.Reasons
		if w.Shop.Status != workflows.ShopVerified {
			t.Code = w.Shop.VerificationCode
		}
	case w.Fund != nil:
		t.Label, t.Status, t.Reasons = w.Name+" · "+v.Money(w.Fund.AmountFen), w.Fund.Status, w.Fund.Reasons
	case w.Intern != nil:
		t.Status = w.Intern.Status
	case w.Enroll != nil:
		t.Status, t.Reasons = w.Enroll.Status, w.Enroll.Reasons
		if serial := w.Enroll.CertificateSerial; serial != nil {
			t.PDF = "/api/v1/certificates/" + *serial + "/pdf"
			t.Credential = "/api/v1/certificates/" + *serial + "/credential"
		}
	}
	t.Actions = Actions(t.Kind, t.ID, t.Status)
	return t
}

// onboardingPage is what the onboarding form shows besides the fields.
type onboardingPage struct {
	Colleges []models.College
	Profile  *models.StudentProfile
	// General are the profile's reasons shown above the form: those about
	// no field of it (the others sit beside their fields).
	General []models.Reason
	// Disputable: the profile was refused because another verified profile
	// holds its student number, so the page offers a dispute form.
	Disputable bool
}

// onboardingFields are the onboarding form's fields.
var onboardingFields = map[string]bool{"college_id": true, "student_number": true, "full_name": true,
	"enrollment_year": true, "major": true, "college_email": true, "phone": true}

func (s *site) onboardingView(c echo.Context, prof *models.StudentProfile) (view, error) {
	colleges, err := s.app.CollegeChoices(c.Request().Context())
	if err != nil {
		return view{}, err
	}
	v := s.newView(c, "onboarding.title")
	page := onboardingPage{Colleges: colleges, Profile: prof}
	if prof != nil {
		page.General = prof.Reasons
		page.Disputable = prof.Status == workflows.OnboardingRejected && slices.ContainsFunc(prof.Reasons,
			func(r models.Reason) bool { return r.Code == msg.OnboardingAlreadyVerified })
	}
	v.Data = page
	return v, nil
}

func (s *site) onboardingForm(c echo.Context) error {
	v, err := s.onboardingFilled(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "onboarding", v)
}

// onboardingFilled is the onboarding page of the signed-in applicant, its
// form filled in from their profile with each reason beside its field.
func (s *site) onboardingFilled(c echo.Context) (view, error) {
	s.liveVersion(c) // before the profile
	prof, err := s.app.OwnProfile(c.Request().Context(), actor(c))
	if err != nil {
		return view{}, err
	}
	v, err := s.onboardingView(c, prof)
	if err != nil {
		return view{}, err
	}
	if prof != nil {
		v.Form.Set("college_id", prof.CollegeID)
		v.Form.Set("student_number", prof.StudentNumber)
		v.Form.Set("full_name", prof.FullName)
		v.Form.Set("enrollment_year", strconv.Itoa(prof.EnrollmentYear))
		v.Form.Set("major", prof.Major)
		v.Form.Set("college_email", prof.CollegeEmail)
		v.Form.Set("phone", prof.Phone)
		// Why the profile needs more information sits beside each field
		// concerned; the rest stays above the form.
		page := v.Data.(onboardingPage)
		page.General = nil
		for _, r := range prof.Reasons {
			if onboardingFields[r.Field] && v.Fields[r.Field] == "" {
				v.Fields[r.Field] = v.Reason(r)
			} else {
				page.General = append(page.General, r)
			}
		}
		v.Data = page
	}
	return v, nil
}

// submitOnboarding submits the profile, or resubmits it when one exists
// (the use case refuses a resubmission that is not due, as PUT does).
func (s *site) submitOnboarding(c echo.Context) error {
	ctx := c.Request().Context()
	prof, err := s.app.OwnProfile(ctx, actor(c))
	if err != nil {
		return s.failWith(c, err)
	}
	v, err := s.onboardingView(c, prof)
	if err != nil {
		return s.failWith(c, err)
	}
	var in app.OnboardingInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "onboarding", v, problems)
	}
	if prof == nil {
		_, err = s.app.SubmitOnboarding(ctx, actor(c), in)
	} else {
		_, err = s.app.ResubmitOnboarding(ctx, actor(c), prof.ID, in)
	}
	if err != nil {
		return s.submitted(c, "onboarding", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}
