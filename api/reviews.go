package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// ReviewRequest is the body of POST /fund-applications/{id}/reviews.
type ReviewRequest struct {
	Decision string `json:"decision" validate:"required,oneof=approve reject"`
	Score    int    `json:"score" validate:"required,min=1,max=10"`
	Comment  string `json:"comment" validate:"required,max=4000,nocontrol"`
}

// AssignmentView is an application waiting for the signed-in reviewer.
type AssignmentView struct {
	// ID is the assignment's id (the list's cursor).
	ID          string              `json:"id"`
	AssignedAt  time.Time           `json:"assigned_at"`
	DueAt       time.Time           `json:"due_at"`
	Application FundApplicationView `json:"application"`
}

func (s *server) submitReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ReviewRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.SubmitReview(ctx, s.db, current(c).ID, id, workflows.ReviewForm{
		Decision: req.Decision, Score: req.Score, Comment: req.Comment,
	})
	if err != nil {
		return err
	}
	flush()
	r := sub.Entity
	return c.JSON(http.StatusCreated, ReviewView{ID: r.ID, ReviewerID: r.ReviewerID, Decision: *r.Decision, Score: *r.Score,
		Comment: r.Comment, ReviewedAt: r.ReviewedAt.UTC()})
}

// assignedReviews lists the applications waiting for the signed-in
// reviewer, oldest assignment first, each with its automatic score.
func (s *server) assignedReviews(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	db := s.db.WithContext(c.Request().Context())
	q := db.Where("reviewer_id = ? AND status = ?", current(c).ID, workflows.ReviewAssigned).Order("id").Limit(p.limit + 1)
	if p.after != "" {
		q = q.Where("id > ?", p.after)
	}
	var revs []models.FundReview
	if err := q.Find(&revs).Error; err != nil {
		return err
	}
	ids := make([]string, len(revs))
	for i, r := range revs {
		ids[i] = r.ApplicationID
	}
	var apps []models.FundApplication
	if len(ids) > 0 {
		if err := db.Where("id IN ?", ids).Find(&apps).Error; err != nil {
			return err
		}
	}
	byID := make(map[string]models.FundApplication, len(apps))
	for _, a := range apps {
		byID[a.ID] = a
	}
	views := make([]AssignmentView, len(revs))
	pr := s.printer(c)
	for i, r := range revs {
		views[i] = AssignmentView{ID: r.ID, AssignedAt: r.AssignedAt.UTC(), DueAt: r.DueAt.UTC(),
			Application: fundApplicationView(byID[r.ApplicationID], nil, pr)}
	}
	return c.JSON(http.StatusOK, finish(views, p, func(v AssignmentView) string { return v.ID }))
}
