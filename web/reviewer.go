package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// queueLimit is how many assignments the reviewer's queue shows.
const queueLimit = 50

// assignment is one application waiting for the reviewer.
type assignment struct {
	Review      models.FundReview
	Application models.FundApplication
}

// reviewQueue lists the applications assigned to the signed-in reviewer
// and not yet reviewed, oldest assignment first (the order of
// GET /api/v1/reviews/assigned).
func (s *site) reviewQueue(c echo.Context) error {
	acct, _ := account(c)
	db := s.db.WithContext(c.Request().Context())
	var revs []models.FundReview
	err := db.Where("reviewer_id = ? AND status = ?", acct.ID, workflows.ReviewAssigned).Order("id").Limit(queueLimit).Find(&revs).Error
	if err != nil {
		return s.failWith(c, fmt.Errorf("load assignments of %s: %w", acct.ID, err))
	}
	ids := make([]string, len(revs))
	for i, r := range revs {
		ids[i] = r.ApplicationID
	}
	var apps []models.FundApplication
	if len(ids) > 0 {
		if err := db.Where("id IN ?", ids).Find(&apps).Error; err != nil {
			return s.failWith(c, fmt.Errorf("load assigned applications: %w", err))
		}
	}
	byID := make(map[string]models.FundApplication, len(apps))
	for _, a := range apps {
		byID[a.ID] = a
	}
	items := make([]assignment, len(revs))
	for i, r := range revs {
		items[i] = assignment{Review: r, Application: byID[r.ApplicationID]}
	}
	v := s.newView(c, "reviews.title")
	v.Form.Set("done", c.QueryParam("done"))
	v.Data = items
	return s.render(c, http.StatusOK, "reviews", v)
}

// reviewPage is the application as its reviewer sees it.
type reviewPage struct {
	Assignment assignment
	Program    models.FundProgram
	Shop       models.Shop
	Applicant  models.StudentProfile
}

// loadReview loads the :id application for the signed-in reviewer; it is
// not found unless they are assigned to it, so ids cannot be probed.
func (s *site) loadReview(c echo.Context) (reviewPage, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return reviewPage{}, workflows.ErrNotFound
	}
	acct, _ := account(c)
	db := s.db.WithContext(c.Request().Context())
	var p reviewPage
	err = db.Take(&p.Assignment.Review, "application_id = ? AND reviewer_id = ?", id.String(), acct.ID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return reviewPage{}, fmt.Errorf("application %s: %w", id, workflows.ErrNotFound)
	}
	if err == nil {
		err = db.Take(&p.Assignment.Application, "id = ?", id.String()).Error
	}
	if err == nil {
		err = db.Take(&p.Program, "id = ?", p.Assignment.Application.ProgramID).Error
	}
	if err == nil {
		err = db.Take(&p.Shop, "id = ?", p.Assignment.Application.ShopID).Error
	}
	if err == nil {
		err = db.Take(&p.Applicant, "account_id = ?", p.Assignment.Application.AccountID).Error
	}
	if err != nil {
		return reviewPage{}, fmt.Errorf("load application %s for review: %w", id, err)
	}
	return p, nil
}

func (s *site) reviewForm(c echo.Context) error {
	p, err := s.loadReview(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "review.title")
	v.Data = p
	return s.render(c, http.StatusOK, "review", v)
}

func (s *site) submitReview(c echo.Context) error {
	p, err := s.loadReview(c)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "review.title")
	v.Data = p
	var req api.ReviewRequest
	form, problems, err := s.bind(c, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "review", v, problems)
	}
	acct, _ := account(c)
	ctx := c.Request().Context()
	ctx, flush := s.kit.Direct(ctx)
	_, err = workflows.SubmitReview(ctx, s.db, acct.ID, p.Assignment.Application.ID, workflows.ReviewForm{
		Decision: req.Decision, Score: req.Score, Comment: req.Comment,
	})
	if err != nil {
		return s.submitted(c, "review", v, err)
	}
	flush()
	return c.Redirect(http.StatusSeeOther, "/reviews?done="+p.Assignment.Application.ID)
}
