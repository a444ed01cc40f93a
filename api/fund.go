package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

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
	var in app.FundProgramInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.app.CreateFundProgram(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	v := fundProgramView(p.FundProgram)
	v.ReviewerIDs = p.PanelIDs
	return c.JSON(http.StatusCreated, v)
}

func (s *server) listFundPrograms(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.FundPrograms(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, fundProgramView))
}

func (s *server) getFundProgram(c echo.Context) error {
	p, err := s.app.FundProgram(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fundProgramView(p))
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
	// Criteria are the review's points and comments on the rubric
	// (not in the queue: read the application for them).
	Criteria []CriterionScoreView `json:"criteria,omitempty"`
}

func fundApplicationView(a app.FundApplication, pr i18n.Printer) FundApplicationView {
	reviews := make([]ReviewView, len(a.Reviews))
	for i, r := range a.Reviews {
		reviews[i] = ReviewView{ID: r.ID, ReviewerID: r.ReviewerID, Decision: r.Decision, Score: r.Score,
			Comment: r.Comment, ReviewedAt: r.ReviewedAt, Criteria: criterionScoreViews(r.Criteria)}
	}
	return FundApplicationView{
		ID: a.ID, ProgramID: a.ProgramID, AccountID: a.AccountID, ShopID: a.ShopID, AmountFen: a.AmountFen,
		BusinessPlan: a.BusinessPlan, Status: a.Status, Reasons: reasonViews(a.Reasons, pr), Score: a.Score,
		ScoreFactors: scoreFactorViews(a.ScoreFactors, pr), Reviews: reviews, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		DecidedAt: utc(a.DecidedAt), DisbursedAt: utc(a.DisbursedAt), EventsURL: "/api/v1/fund-applications/" + a.ID + "/events",
	}
}

func (s *server) submitFundApplication(c echo.Context) error {
	var in app.FundInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.app.SubmitFund(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, fundApplicationView(app.FundApplication{FundApplication: a}, printer(c)))
}

func (s *server) getFundApplication(c echo.Context) error {
	a, err := s.app.FundApplication(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fundApplicationView(a, printer(c)))
}

func (s *server) withdrawFundApplication(c echo.Context) error {
	a, err := s.app.WithdrawFund(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fundApplicationView(a, printer(c)))
}

func (s *server) submitReview(c echo.Context) error {
	var in app.ReviewInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.app.SubmitReview(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ReviewView{ID: r.ID, ReviewerID: r.ReviewerID, Decision: r.Decision, Score: r.Score,
		Comment: r.Comment, ReviewedAt: r.ReviewedAt, Criteria: criterionScoreViews(r.Criteria)})
}
