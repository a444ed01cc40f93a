package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// Money fields of the programme form: typed in yuan, sent in fen.
var (
	budgetField   = money{yuan: "budget", fen: "budget_fen"}
	maxGrantField = money{yuan: "max_grant", fen: "max_grant_fen"}
)

// localTimeLayout is what a datetime-local input sends.
const localTimeLayout = "2006-01-02T15:04"

// RFC3339Form rewrites the form's fields names from a datetime-local value
// ("2026-09-01T08:00", read as UTC) to the RFC 3339 time the API takes;
// other values stay, for the API's own message.
func RFC3339Form(form url.Values, names ...string) {
	for _, name := range names {
		if t, err := time.Parse(localTimeLayout, form.Get(name)); err == nil {
			form.Set(name, t.UTC().Format(time.RFC3339))
		}
	}
}

// adminFundPage is the programmes and the reviewers a panel can name.
type adminFundPage struct {
	Programs  []models.FundProgram
	Reviewers []models.Account
	// AwaitingReviewers counts the applications waiting in screening for
	// reviewers (workflows.ReasonAwaitingReviewers).
	AwaitingReviewers int64
}

func (s *site) adminFundView(c echo.Context) (view, error) {
	db := s.db.WithContext(c.Request().Context())
	var d adminFundPage
	if err := db.Order("id DESC").Limit(adminListLimit).Find(&d.Programs).Error; err != nil {
		return view{}, fmt.Errorf("load programmes: %w", err)
	}
	if err := db.Where("role = ?", models.RoleReviewer).Order("name, id").Limit(200).Find(&d.Reviewers).Error; err != nil {
		return view{}, fmt.Errorf("load reviewers: %w", err)
	}
	var err error
	if d.AwaitingReviewers, err = workflows.CountAwaitingReviewers(c.Request().Context(), s.db); err != nil {
		return view{}, err
	}
	v := s.newView(c, "admin.programs")
	v.Data = d
	return v, nil
}

func (s *site) adminFund(c echo.Context) error {
	return s.adminPage(c, "admin_fund", s.adminFundView)
}

// adminPage renders an admin page built by load.
func (s *site) adminPage(c echo.Context, name string, load func(echo.Context) (view, error)) error {
	v, err := load(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form.Set("done", c.QueryParam("done"))
	return s.render(c, http.StatusOK, name, v)
}

// createProgram creates a fund programme, as POST
// /api/v1/admin/fund-programs does, with the money typed in yuan.
func (s *site) createProgram(c echo.Context) error {
	v, err := s.adminFundView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	RFC3339Form(form, "opens_at", "closes_at")
	var req api.FundProgramRequest
	problems, err := s.checkMoney(form, &req, budgetField, maxGrantField)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "admin_fund", v, problems)
	}
	f, err := req.Form()
	if err == nil {
		_, err = workflows.CreateFundProgram(c.Request().Context(), s.db, f)
	}
	if err != nil {
		return s.submitted(c, "admin_fund", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/fund?done=program")
}

// enrolledLimit is how many enrollments awaiting a result the admin sees.
const enrolledLimit = 50

// awaiting is an enrollment awaiting its result, with its course.
type awaiting struct {
	models.Enrollment
	Course, Student string
}

// adminTrainingPage is the courses, the enrollments awaiting a result and
// the latest certificates.
type adminTrainingPage struct {
	Courses      []models.Course
	Enrollments  []awaiting
	Certificates []models.Certificate
}

func (s *site) adminTrainingView(c echo.Context) (view, error) {
	db := s.db.WithContext(c.Request().Context())
	var d adminTrainingPage
	if err := db.Order("id DESC").Limit(adminListLimit).Find(&d.Courses).Error; err != nil {
		return view{}, fmt.Errorf("load courses: %w", err)
	}
	err := db.Table("enrollments AS e").Select("e.*, c.title AS course, coalesce(p.full_name, a.name) AS student").
		Joins("JOIN courses c ON c.id = e.course_id").Joins("JOIN accounts a ON a.id = e.account_id").
		Joins("LEFT JOIN student_profiles p ON p.account_id = e.account_id").
		Where("e.status = ?", workflows.EnrollmentEnrolled).Order("e.id").Limit(enrolledLimit).Find(&d.Enrollments).Error
	if err != nil {
		return view{}, fmt.Errorf("load enrollments awaiting a result: %w", err)
	}
	err = db.Omit("pdf", "credential").Order("issued_at DESC, id").Limit(adminListLimit).Find(&d.Certificates).Error
	if err != nil {
		return view{}, fmt.Errorf("load certificates: %w", err)
	}
	v := s.newView(c, "admin.courses")
	v.Data = d
	return v, nil
}

func (s *site) adminTraining(c echo.Context) error {
	return s.adminPage(c, "admin_training", s.adminTrainingView)
}

// createCourse adds a course, as POST /api/v1/admin/courses does.
func (s *site) createCourse(c echo.Context) error {
	v, err := s.adminTrainingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var req api.CreateCourseRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("form", "course")
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	_, err = workflows.CreateCourse(c.Request().Context(), s.db, workflows.CourseForm{
		Title: req.Title, Description: req.Description, PassScore: *req.PassScore,
	})
	if err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=course")
}

// rowForm reads a form posted from a table row of an admin page: the row's
// id (from the path), the page's view holding the form with the row marked
// (view.Input), and req bound and checked by the API's rules (problems for
// the row's fields).
func (s *site) rowForm(c echo.Context, page func(echo.Context) (view, error), req any) (string, view, map[string]msg.Message, error) {
	id, err := pathID(c)
	if err != nil {
		return "", view{}, nil, err
	}
	v, err := page(c)
	if err != nil {
		return "", view{}, nil, err
	}
	form, problems, err := s.bind(c, req)
	if err != nil {
		return "", view{}, nil, err
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("row", id)
	return id, v, problems, nil
}

// recordResult records an enrollment's score, as POST
// /api/v1/admin/enrollments/{id}/result does.
func (s *site) recordResult(c echo.Context) error {
	var req api.ResultRequest
	id, v, problems, err := s.rowForm(c, s.adminTrainingView, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form.Set("form", "result")
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	acct, _ := account(c)
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.RecordResult(ctx, s.db, acct.ID, id, *req.Score)
	if err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=result")
}

// revokeCertificate revokes a certificate, as POST
// /api/v1/admin/certificates/{serial}/revoke does.
func (s *site) revokeCertificate(c echo.Context) error {
	v, err := s.adminTrainingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	var req api.RevokeRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("form", "revoke")
	serial, ok := certificates.NormalizeSerial(form.Get("serial"))
	if !ok {
		if problems == nil {
			problems = map[string]msg.Message{}
		}
		problems["serial"] = msg.New(msg.FieldSerial)
	}
	if problems != nil {
		return s.formProblem(c, "admin_training", v, problems)
	}
	acct, _ := account(c)
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.RevokeCertificate(ctx, s.db, acct.ID, serial, req.Reason)
	if err != nil {
		return s.submitted(c, "admin_training", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/admin/training?done=revoke")
}

// shopQueueLimit is how many shops awaiting a decision the admin sees.
const shopQueueLimit = 50

func (s *site) adminShopsView(c echo.Context) (view, error) {
	var shops []models.Shop
	err := s.db.WithContext(c.Request().Context()).Where("status IN ?", []string{workflows.ShopPending, workflows.ShopRejected}).
		Order("updated_at, id").Limit(shopQueueLimit).Find(&shops).Error
	if err != nil {
		return view{}, fmt.Errorf("load shops awaiting a decision: %w", err)
	}
	v := s.newView(c, "admin.shops")
	v.Data = shops
	return v, nil
}

func (s *site) adminShops(c echo.Context) error {
	return s.adminPage(c, "admin_shops", s.adminShopsView)
}

// confirmShop is an admin's decision on a shop, as POST
// /api/v1/admin/shops/{id}/confirm takes it.
func (s *site) confirmShop(c echo.Context) error {
	var req api.ConfirmShopRequest
	id, v, problems, err := s.rowForm(c, s.adminShopsView, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "admin_shops", v, problems)
	}
	if err := req.Check(); err != nil {
		return s.submitted(c, "admin_shops", v, err)
	}
	acct, _ := account(c)
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.ConfirmShop(ctx, s.db, acct.ID, id, *req.Verified, req.Reason)
	if err != nil {
		return s.submitted(c, "admin_shops", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/admin/shops?done=shop")
}

// adminInternshipsPage is every place with its filled seats, and the
// latest rounds.
type adminInternshipsPage struct {
	Places []workflows.PlaceWithFilled
	Rounds []models.MatchRound
}

func (s *site) adminInternshipsView(c echo.Context) (view, error) {
	ctx := c.Request().Context()
	var d adminInternshipsPage
	if err := workflows.PlacesQuery(ctx, s.db).Order("p.id DESC").Limit(placeLimit).Find(&d.Places).Error; err != nil {
		return view{}, fmt.Errorf("load places: %w", err)
	}
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(adminListLimit).Find(&d.Rounds).Error; err != nil {
		return view{}, fmt.Errorf("load match rounds: %w", err)
	}
	v := s.newView(c, "admin.places")
	v.Data = d
	return v, nil
}

func (s *site) adminInternships(c echo.Context) error {
	return s.adminPage(c, "admin_internships", s.adminInternshipsView)
}

// changePlace changes a place's seats or status, as PATCH
// /api/v1/admin/internships/{id} does; the row's form sends both.
func (s *site) changePlace(c echo.Context) error {
	var req api.PlaceChangeRequest
	id, v, problems, err := s.rowForm(c, s.adminInternshipsView, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems == nil && req.Status == nil && req.Capacity == nil {
		problems = map[string]msg.Message{"capacity": msg.New(msg.InternshipChangeEmpty)}
	}
	if problems != nil {
		return s.formProblem(c, "admin_internships", v, problems)
	}
	_, err = workflows.ChangePlace(c.Request().Context(), s.db, id, workflows.PlaceChange{Status: req.Status, Capacity: req.Capacity})
	if err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=place")
}

// createPlace adds an internship place, as POST /api/v1/admin/internships
// does; its skills are typed in one field, as on the ranking form.
func (s *site) createPlace(c echo.Context) error {
	v, err := s.adminInternshipsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	raw, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(raw)
	var req api.PlaceRequest
	problems, err := s.check(SkillsForm(raw), &req)
	if err != nil {
		return s.failWith(c, err)
	}
	if problems != nil {
		return s.formProblem(c, "admin_internships", v, problems)
	}
	_, err = workflows.CreatePlace(c.Request().Context(), s.db, workflows.PlaceForm{
		Company: req.Company, Title: req.Title, City: req.City, Skills: req.Skills, Capacity: *req.Capacity, Status: req.Status,
	})
	if err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=place")
}

// startRound queues a matching round, as POST /api/v1/admin/match-rounds
// does.
func (s *site) startRound(c echo.Context) error {
	v, err := s.adminInternshipsView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	acct, _ := account(c)
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.StartMatchRound(ctx, s.db, workflows.StartRound{Trigger: workflows.TriggerAdmin, AccountID: acct.ID})
	if err != nil {
		return s.submitted(c, "admin_internships", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/admin/internships?done=round")
}
