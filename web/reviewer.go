package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// queueLimit is how many assignments one page of the reviewer's queue shows.
const queueLimit = 20

// queuePage is one page of the reviewer's queue and the filter it shows.
type queuePage struct {
	Status   string
	Statuses []string
	List     app.Counted[app.Assignment]
}

// reviewQueue lists the signed-in reviewer's assignments as GET
// /api/v1/reviews/assigned does: ?status= pending (the default), overdue
// or done (their history), a page at a time with the total.
func (s *site) reviewQueue(c echo.Context) error {
	status := c.QueryParam("status")
	if status == "" {
		status = app.QueuePending
	}
	l, err := s.app.AssignedReviews(c.Request().Context(), actor(c), status,
		app.Page{Limit: queueLimit, Cursor: c.QueryParam("cursor")})
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "reviews.title")
	v.Form.Set("done", c.QueryParam("done"))
	v.Form.Set("conflict", c.QueryParam("conflict"))
	v.Data = queuePage{Status: status, Statuses: app.QueueStatuses, List: l}
	return s.render(c, http.StatusOK, "reviews", v)
}

// reviewView loads the review page of the application in the path.
func (s *site) reviewView(c echo.Context) (view, app.ReviewFile, error) {
	f, err := s.app.ReviewFile(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return view{}, f, err
	}
	v := s.newView(c, "review.title")
	v.Data = f
	return v, f, nil
}

func (s *site) reviewForm(c echo.Context) error {
	v, _, err := s.reviewView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "review", v)
}

// submitReview records the reviewer's review as POST
// /api/v1/fund-applications/{id}/reviews does, then goes back to the queue.
// On a rubric other than the default, each criterion's points and comment
// come from the fields points_{criterion id} and comment_{criterion id}.
func (s *site) submitReview(c echo.Context) error {
	var in app.ReviewInput
	return s.reviewPost(c, &in, "done", func(ctx context.Context, f app.ReviewFile, form url.Values) error {
		in.Criteria = criteriaOf(f.Rubric, form)
		_, err := s.app.SubmitReview(ctx, actor(c), f.Application.ID, in)
		return err
	})
}

// criteriaOf reads the points and comment the form gives each criterion of
// rubric; a criterion without points is left out, and points that are no
// whole number read as -1, so that the use case says what is wrong.
func criteriaOf(rubric []models.FundCriterion, form url.Values) []app.CriterionScoreInput {
	var out []app.CriterionScoreInput
	for _, cr := range rubric {
		raw := strings.TrimSpace(form.Get("points_" + cr.ID))
		if raw == "" {
			continue
		}
		points, err := strconv.Atoi(raw)
		if err != nil {
			points = -1
		}
		out = append(out, app.CriterionScoreInput{CriterionID: cr.ID, Points: points, Comment: form.Get("comment_" + cr.ID)})
	}
	return out
}

// declareConflict records the reviewer's conflict of interest as POST
// /api/v1/fund-applications/{id}/conflict does, then goes back to the queue.
func (s *site) declareConflict(c echo.Context) error {
	var in app.ConflictInput
	return s.reviewPost(c, &in, "conflict", func(ctx context.Context, f app.ReviewFile, _ url.Values) error {
		_, err := s.app.DeclareConflict(ctx, actor(c), f.Application.ID, in)
		return err
	})
}

// reviewPost handles a form of the review page: it decodes the form into
// in, runs do on the review file and the form, and goes back to the
// queue, whose ?notice= names the application; problems show on the
// review page.
func (s *site) reviewPost(c echo.Context, in any, notice string, do func(context.Context, app.ReviewFile, url.Values) error) error {
	v, f, err := s.reviewView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form, problems, err := s.bind(c, in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "review", v, problems)
	}
	if err := do(c.Request().Context(), f, form); err != nil {
		return s.submitted(c, "review", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/reviews?"+notice+"="+f.Application.ID)
}

// Verdict is a review's decision (approve or reject) in the page's language.
func (v view) Verdict(decision string) string { return v.T("review." + decision) }

// CriterionName is the criterion's name in the page's language.
func (v view) CriterionName(c models.FundCriterion) string {
	if v.Lang == LangEN {
		return c.NameEN
	}
	return c.NameZH
}

// CollegeName is the college's name in the page's language.
func (v view) CollegeName(c models.College) string {
	if v.Lang == LangEN && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// CriterionOf names the criterion id of rubric in the page's language,
// with its maximum.
func (v view) CriterionOf(rubric []models.FundCriterion, id string) string {
	for _, c := range rubric {
		if c.ID == id {
			return fmt.Sprintf("%s (/%d)", v.CriterionName(c), c.MaxPoints)
		}
	}
	return id
}
