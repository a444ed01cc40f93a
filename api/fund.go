package api

import (
	"context"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// FundProgramRequest is the body of POST /admin/fund-programs.
type FundProgramRequest struct {
	Name                    string  `json:"name" validate:"required,max=200,nocontrol"`
	BudgetFen               int64   `json:"budget_fen" validate:"required,min=1,max=100000000000000"`
	MaxGrantFen             int64   `json:"max_grant_fen" validate:"required,min=1,max=100000000000000"`
	ReviewersPerApplication int     `json:"reviewers_per_application" validate:"required,min=1,max=10"`
	ApprovalsRequired       int     `json:"approvals_required" validate:"required,min=1,max=10"`
	MinMeanScore            float64 `json:"min_mean_score" validate:"required,min=1,max=10"`
	// ReviewDeadlineHours is how long reviewers have; default 72.
	ReviewDeadlineHours int `json:"review_deadline_hours" validate:"omitempty,min=1,max=720"`
	// OpensAt and ClosesAt are RFC 3339 times.
	OpensAt  string `json:"opens_at" validate:"required,max=40"`
	ClosesAt string `json:"closes_at" validate:"required,max=40"`
	// ReviewerIDs is the review panel; empty means every reviewer.
	ReviewerIDs []string `json:"reviewer_ids" validate:"max=200,dive,uuid"`
}

// form parses the request's times into a workflows.ProgramForm.
func (r FundProgramRequest) form() (workflows.ProgramForm, error) {
	f := workflows.ProgramForm{
		Name: r.Name, BudgetFen: r.BudgetFen, MaxGrantFen: r.MaxGrantFen,
		ReviewersPerApplication: r.ReviewersPerApplication, ApprovalsRequired: r.ApprovalsRequired,
		MinMeanScore: r.MinMeanScore, ReviewHours: r.ReviewDeadlineHours, ReviewerIDs: r.ReviewerIDs,
	}
	bad := map[string]msg.Message{}
	var err error
	if f.OpensAt, err = time.Parse(time.RFC3339, r.OpensAt); err != nil {
		bad["opens_at"] = msg.New(msg.FieldTime, msg.Text("example", "2026-09-01T00:00:00Z"))
	}
	if f.ClosesAt, err = time.Parse(time.RFC3339, r.ClosesAt); err != nil {
		bad["closes_at"] = msg.New(msg.FieldTime, msg.Text("example", "2027-06-30T23:59:59Z"))
	}
	if len(bad) > 0 {
		return f, fieldErrors(bad)
	}
	return f, nil
}

// FundProgramView is a fund programme as anyone sees it.
type FundProgramView struct {
	ID                      string    `json:"id"`
	Name                    string    `json:"name"`
	BudgetFen               int64     `json:"budget_fen"`
	ReservedFen             int64     `json:"reserved_fen"`
	DisbursedFen            int64     `json:"disbursed_fen"`
	RemainingFen            int64     `json:"remaining_fen"`
	MaxGrantFen             int64     `json:"max_grant_fen"`
	ReviewersPerApplication int       `json:"reviewers_per_application"`
	ApprovalsRequired       int       `json:"approvals_required"`
	MinMeanScore            float64   `json:"min_mean_score"`
	ReviewDeadlineHours     int       `json:"review_deadline_hours"`
	OpensAt                 time.Time `json:"opens_at"`
	ClosesAt                time.Time `json:"closes_at"`
	// ReviewerIDs is the panel, shown to the admin who creates the programme.
	ReviewerIDs []string `json:"reviewer_ids,omitempty"`
}

func fundProgramView(p models.FundProgram) FundProgramView {
	return FundProgramView{
		ID: p.ID, Name: p.Name, BudgetFen: p.BudgetFen, ReservedFen: p.ReservedFen, DisbursedFen: p.DisbursedFen,
		RemainingFen: p.RemainingFen(), MaxGrantFen: p.MaxGrantFen, ReviewersPerApplication: p.ReviewersPerApplication,
		ApprovalsRequired: p.ApprovalsRequired, MinMeanScore: p.MinMeanScore, ReviewDeadlineHours: p.ReviewHours,
		OpensAt: p.OpensAt.UTC(), ClosesAt: p.ClosesAt.UTC(),
	}
}

func (s *server) createFundProgram(c echo.Context) error {
	var req FundProgramRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	f, err := req.form()
	if err != nil {
		return err
	}
	p, err := workflows.CreateFundProgram(c.Request().Context(), s.db, f)
	if err != nil {
		return err
	}
	v := fundProgramView(p)
	v.ReviewerIDs = f.ReviewerIDs
	return c.JSON(http.StatusCreated, v)
}

func (s *server) listFundPrograms(c echo.Context) error {
	return listPage(c, s.db.WithContext(c.Request().Context()), "id", false, fundProgramView,
		func(v FundProgramView) string { return v.ID })
}

func (s *server) getFundProgram(c echo.Context) error {
	return getByID(s, c, fundProgramView)
}

// FundApplicationRequest is the body of POST /fund-applications.
type FundApplicationRequest struct {
	ProgramID    string `json:"program_id" validate:"required,uuid"`
	ShopID       string `json:"shop_id" validate:"required,uuid"`
	AmountFen    int64  `json:"amount_fen" validate:"required,min=1,max=100000000000000"`
	BusinessPlan string `json:"business_plan" validate:"required,max=20000,nocontrol"`
}

// FundApplicationView is a fund application. Reviews show to admins with
// their reviewers, to a reviewer only their own, and to the applicant after
// the decision without reviewer identity.
type FundApplicationView struct {
	ID           string            `json:"id"`
	ProgramID    string            `json:"program_id"`
	AccountID    string            `json:"account_id"`
	ShopID       string            `json:"shop_id"`
	AmountFen    int64             `json:"amount_fen"`
	BusinessPlan string            `json:"business_plan"`
	Status       string            `json:"status"`
	Reasons      []ReasonView      `json:"reasons"`
	Score        *int              `json:"score"`
	ScoreFactors []ScoreFactorView `json:"score_factors"`
	Reviews      []ReviewView      `json:"reviews"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	DecidedAt    *time.Time        `json:"decided_at"`
	DisbursedAt  *time.Time        `json:"disbursed_at"`
	EventsURL    string            `json:"events_url"`
}

// ReviewView is one review. ID and ReviewerID are shown to admins and to
// the reviewer who wrote it, never to the applicant or other reviewers.
type ReviewView struct {
	ID         string    `json:"id,omitempty"`
	ReviewerID string    `json:"reviewer_id,omitempty"`
	Decision   string    `json:"decision"`
	Score      int       `json:"score"`
	Comment    string    `json:"comment"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

func fundApplicationView(a models.FundApplication, reviews []ReviewView, p i18n.Printer) FundApplicationView {
	return FundApplicationView{
		ID: a.ID, ProgramID: a.ProgramID, AccountID: a.AccountID, ShopID: a.ShopID, AmountFen: a.AmountFen,
		BusinessPlan: a.BusinessPlan, Status: a.Status, Reasons: reasonViews(a.Reasons, p), Score: a.Score,
		ScoreFactors: scoreFactorViews(a.ScoreFactors, p), Reviews: nonNil(reviews), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		DecidedAt: utcPtr(a.DecidedAt), DisbursedAt: utcPtr(a.DisbursedAt), EventsURL: "/api/v1/fund-applications/" + a.ID + "/events",
	}
}

// visibleReviews returns the application's reviews that viewer may see.
func (s *server) visibleReviews(ctx context.Context, viewer models.Account, a models.FundApplication) ([]ReviewView, error) {
	q := s.db.WithContext(ctx).Where("application_id = ? AND status = ?", a.ID, workflows.ReviewDone).Order("reviewed_at, id")
	switch {
	case viewer.Role == models.RoleAdmin:
	case viewer.Role == models.RoleReviewer:
		q = q.Where("reviewer_id = ?", viewer.ID)
	case viewer.ID == a.AccountID && a.DecidedAt != nil:
	default:
		return nil, nil
	}
	var rows []models.FundReview
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	views := make([]ReviewView, len(rows))
	for i, r := range rows {
		views[i] = ReviewView{Decision: *r.Decision, Score: *r.Score, Comment: r.Comment, ReviewedAt: r.ReviewedAt.UTC()}
		if viewer.Role != models.RoleApplicant {
			views[i].ID, views[i].ReviewerID = r.ID, r.ReviewerID
		}
	}
	return views, nil
}

func (s *server) submitFundApplication(c echo.Context) error {
	if _, err := s.requireVerified(c); err != nil {
		return err
	}
	var req FundApplicationRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.SubmitFund(ctx, s.db, current(c).ID, workflows.FundForm{
		ProgramID: req.ProgramID, ShopID: req.ShopID, AmountFen: req.AmountFen, BusinessPlan: req.BusinessPlan,
	})
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, fundApplicationView(sub.Entity, nil, s.printer(c)))
}

func (s *server) getFundApplication(c echo.Context) error {
	app, err := s.readableFundApplication(c)
	if err != nil {
		return err
	}
	reviews, err := s.visibleReviews(c.Request().Context(), current(c), app)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fundApplicationView(app, reviews, s.printer(c)))
}

func (s *server) fundApplicationEvents(c echo.Context) error {
	app, err := s.readableFundApplication(c)
	if err != nil {
		return err
	}
	return s.events(c, app.ID)
}

func (s *server) withdrawFundApplication(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.WithdrawFund(ctx, s.db, current(c).ID, id)
	if err != nil {
		return err
	}
	flush()
	reviews, err := s.visibleReviews(ctx, current(c), sub.Entity)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fundApplicationView(sub.Entity, reviews, s.printer(c)))
}

// readableFundApplication loads the :id application if the caller may read
// it: its owner, an admin, or a reviewer assigned to it (an assignment that
// expired no longer counts). Anyone else gets a 404.
func (s *server) readableFundApplication(c echo.Context) (models.FundApplication, error) {
	return readable(s, c, func(app models.FundApplication) string { return app.AccountID },
		func(db *gorm.DB, app models.FundApplication, reviewerID string) (assigned bool, err error) {
			err = db.Raw(`SELECT EXISTS (SELECT 1 FROM fund_reviews WHERE application_id = ? AND reviewer_id = ? AND status <> 'expired')`,
				app.ID, reviewerID).Row().Scan(&assigned)
			return assigned, err
		})
}
