package web

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/labstack/echo/v4"
)

// queueLimit is how many assignments the reviewer's queue shows.
const queueLimit = 50

// reviewQueue lists the applications assigned to the signed-in reviewer
// and not yet reviewed, oldest assignment first (as GET
// /api/v1/reviews/assigned does).
func (s *site) reviewQueue(c echo.Context) error {
	l, err := s.app.AssignedReviews(c.Request().Context(), actor(c), app.Page{Limit: queueLimit})
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "reviews.title")
	v.Form.Set("done", c.QueryParam("done"))
	v.Data = l.Items
	return s.render(c, http.StatusOK, "reviews", v)
}

func (s *site) reviewForm(c echo.Context) error {
	f, err := s.app.ReviewFile(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "review.title")
	v.Data = f
	return s.render(c, http.StatusOK, "review", v)
}

func (s *site) submitReview(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := s.app.ReviewFile(ctx, actor(c), c.Param("id"))
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "review.title")
	v.Data = f
	var in app.ReviewInput
	form, problems, err := s.bind(c, &in)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	if problems != nil {
		return s.formProblem(c, "review", v, problems)
	}
	appID := f.Assignment.Application.ID
	if _, err := s.app.SubmitReview(ctx, actor(c), appID, in); err != nil {
		return s.submitted(c, "review", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/reviews?done="+appID)
}
