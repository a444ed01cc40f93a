package api

import (
	"math"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// AssignmentView is one of the signed-in reviewer's assignments with what
// they need to judge it.
type AssignmentView struct {
	// ID is the assignment's id.
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	AssignedAt time.Time `json:"assigned_at"`
	DueAt      time.Time `json:"due_at"`
	// Overdue: still waiting for the review after DueAt.
	Overdue bool `json:"overdue"`
	// Review is the reviewer's own review, once it is in.
	Review      *ReviewView     `json:"review"`
	Application ReviewedAppView `json:"application"`
}

// ReviewedAppView is an application as its reviewer judges it.
type ReviewedAppView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Program is the programme, with its cap.
	Program      ReviewedProgramView `json:"program"`
	AmountFen    int64               `json:"amount_fen"`
	BusinessPlan string              `json:"business_plan"`
	// Score is the automatic triage score (0 to 100) and ScoreFactors what
	// it added up; they advise, they decide nothing.
	Score        *int              `json:"score"`
	ScoreFactors []ScoreFactorView `json:"score_factors"`
	Applicant    ApplicantView     `json:"applicant"`
	Shop         ReviewedShopView  `json:"shop"`
	CreatedAt    time.Time         `json:"created_at"`
}

// ReviewedProgramView is the programme an application applies to.
type ReviewedProgramView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	MaxGrantFen int64  `json:"max_grant_fen"`
}

// ApplicantView is the applicant as the reviewer sees them.
type ApplicantView struct {
	Name    string         `json:"name"`
	Major   string         `json:"major"`
	College CollegeRefView `json:"college"`
}

// CollegeRefView names a college.
type CollegeRefView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// ReviewedShopView is the applicant's verified shop.
type ReviewedShopView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Platform is the marketplace's id of the shop, URL its public page.
	PlatformShopID string     `json:"platform_shop_id"`
	URL            string     `json:"url"`
	Category       string     `json:"category"`
	Status         string     `json:"status"`
	VerifiedAt     *time.Time `json:"verified_at"`
}

func assignmentView(a app.Assignment, pr i18n.Printer) AssignmentView {
	x := a.Application
	v := AssignmentView{ID: a.Review.ID, Status: a.Review.Status, AssignedAt: a.Review.AssignedAt.UTC(), DueAt: a.Review.DueAt.UTC(),
		Overdue: a.Overdue, Application: ReviewedAppView{
			ID: x.ID, Status: x.Status, AmountFen: x.AmountFen, BusinessPlan: x.BusinessPlan, Score: x.Score,
			Program:      ReviewedProgramView{ID: a.Program.ID, Name: a.Program.Name, MaxGrantFen: a.Program.MaxGrantFen},
			ScoreFactors: scoreFactorViews(x.ScoreFactors, pr), CreatedAt: x.CreatedAt.UTC(),
			Applicant: ApplicantView{Name: a.Applicant.FullName, Major: a.Applicant.Major,
				College: CollegeRefView{ID: a.College.ID, Name: a.College.Name, NameEN: a.College.NameEN}},
			Shop: ReviewedShopView{ID: a.Shop.ID, Name: a.Shop.ShopName, PlatformShopID: a.Shop.PlatformShopID, URL: a.Shop.ShopURL,
				Category: a.Shop.Category, Status: a.Shop.Status, VerifiedAt: utc(a.Shop.VerifiedAt)},
		}}
	if r := a.Review; r.ReviewedAt != nil && r.Decision != nil && r.Score != nil {
		v.Review = &ReviewView{ID: r.ID, ReviewerID: r.ReviewerID, Decision: *r.Decision, Score: *r.Score, Comment: r.Comment,
			ReviewedAt: r.ReviewedAt.UTC()}
	}
	return v
}

// assignedReviews lists the signed-in reviewer's assignments: ?status=
// pending (the default) or overdue by due date, done (their history)
// newest review first; with the total.
func (s *server) assignedReviews(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.AssignedReviews(c.Request().Context(), actor(c), c.QueryParam("status"), p)
	if err != nil {
		return err
	}
	pr := printer(c)
	page := listOf(l.List, func(a app.Assignment) AssignmentView { return assignmentView(a, pr) })
	return c.JSON(http.StatusOK, CountedList[AssignmentView]{Items: page.Items, NextCursor: page.NextCursor, Total: l.Total})
}

// ConflictView is a declared conflict of interest.
type ConflictView struct {
	// ID is the assignment's id, now in status conflict.
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Status        string    `json:"status"`
	Note          string    `json:"note"`
	DeclaredAt    time.Time `json:"declared_at"`
	// Reassigned: another reviewer took the application over.
	Reassigned bool `json:"reassigned"`
}

func (s *server) declareConflict(c echo.Context) error {
	var in app.ConflictInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	out, err := s.app.DeclareConflict(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	r := out.Review
	return c.JSON(http.StatusOK, ConflictView{ID: r.ID, ApplicationID: r.ApplicationID, Status: r.Status, Note: r.ConflictNote,
		DeclaredAt: r.ConflictAt.UTC(), Reassigned: out.Reassigned})
}

// RankingView is a programme's ranking with calibration (admin).
type RankingView struct {
	ProgramID string `json:"program_id"`
	// Method names how scores are calibrated (docs/REVIEWING.md).
	Method    string               `json:"method"`
	Reviewers []ReviewerOffsetView `json:"reviewers"`
	Items     []RankedView         `json:"items"`
}

// ReviewerOffsetView is a reviewer's offset against their panels.
type ReviewerOffsetView struct {
	ReviewerID string `json:"reviewer_id"`
	Name       string `json:"name"`
	Reviews    int    `json:"reviews"`
	// Offset is points above (lenient) or below (harsh) their panels.
	Offset float64 `json:"offset"`
}

// RankedView is one application of the ranking.
type RankedView struct {
	ApplicationID   string  `json:"application_id"`
	Applicant       string  `json:"applicant"`
	Status          string  `json:"status"`
	AmountFen       int64   `json:"amount_fen"`
	Reviews         int     `json:"reviews"`
	RawScore        float64 `json:"raw_score"`
	CalibratedScore float64 `json:"calibrated_score"`
}

// calibrationMethod names the calibration in the ranking's answers.
const calibrationMethod = "additive-reviewer-offset"

// round2 is x to two decimals, for display.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

func (s *server) programRanking(c echo.Context) error {
	r, err := s.app.ProgramRanking(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := RankingView{ProgramID: r.Program.ID, Method: calibrationMethod,
		Reviewers: make([]ReviewerOffsetView, len(r.Reviewers)), Items: make([]RankedView, len(r.Items))}
	for i, x := range r.Reviewers {
		v.Reviewers[i] = ReviewerOffsetView{ReviewerID: x.ReviewerID, Name: x.Name, Reviews: x.Reviews, Offset: round2(x.Offset)}
	}
	for i, x := range r.Items {
		v.Items[i] = RankedView{ApplicationID: x.ApplicationID, Applicant: x.Applicant, Status: x.Status, AmountFen: x.AmountFen,
			Reviews: x.Reviews, RawScore: round2(x.Raw), CalibratedScore: round2(x.Calibrated)}
	}
	return c.JSON(http.StatusOK, v)
}

// CriterionView is one criterion of a programme's rubric.
type CriterionView struct {
	ID        string `json:"id"`
	Position  int    `json:"position"`
	NameZH    string `json:"name_zh"`
	NameEN    string `json:"name_en"`
	Weight    int    `json:"weight"`
	MaxPoints int    `json:"max_points"`
}

// RubricView is a programme's rubric.
type RubricView struct {
	ProgramID string          `json:"program_id"`
	Criteria  []CriterionView `json:"criteria"`
}

func rubricView(programID string, cs []models.FundCriterion) RubricView {
	v := RubricView{ProgramID: programID, Criteria: make([]CriterionView, len(cs))}
	for i, c := range cs {
		v.Criteria[i] = CriterionView{ID: c.ID, Position: c.Position, NameZH: c.NameZH, NameEN: c.NameEN, Weight: c.Weight, MaxPoints: c.MaxPoints}
	}
	return v
}

func (s *server) getRubric(c echo.Context) error {
	cs, err := s.app.Rubric(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rubricView(c.Param("id"), cs))
}

func (s *server) setRubric(c echo.Context) error {
	var in app.RubricInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cs, err := s.app.SetRubric(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rubricView(c.Param("id"), cs))
}

// CriterionScoreView is a review's points and comment on one criterion.
type CriterionScoreView struct {
	CriterionID string `json:"criterion_id"`
	Points      int    `json:"points"`
	Comment     string `json:"comment"`
}

func criterionScoreViews(ss []models.FundReviewScore) []CriterionScoreView {
	out := make([]CriterionScoreView, len(ss))
	for i, sc := range ss {
		out[i] = CriterionScoreView{CriterionID: sc.CriterionID, Points: sc.Points, Comment: sc.Comment}
	}
	return out
}
