package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// rubricRows is how many criteria the rubric form offers (app.RubricInput
// takes at most 10; programmes use a handful).
const rubricRows = 6

// RubricRow is one row of the rubric form: a criterion as typed.
type RubricRow struct {
	N                                 int
	NameZH, NameEN, Weight, MaxPoints string
}

// programRankingPage is the programme's ranking with its rubric form.
type programRankingPage struct {
	app.Ranking
	// Rubric is the form's rows: the rubric as it is (or as just typed),
	// then blank rows.
	Rubric []RubricRow
}

// rubricRowsOf is the form's rows for rubric, or for the form as posted
// when there is one.
func rubricRowsOf(rubric []models.FundCriterion, form url.Values) []RubricRow {
	rows := make([]RubricRow, rubricRows)
	for i := range rows {
		rows[i].N = i + 1
		switch {
		case form != nil:
			n := strconv.Itoa(i + 1)
			rows[i].NameZH, rows[i].NameEN = form.Get("name_zh_"+n), form.Get("name_en_"+n)
			rows[i].Weight, rows[i].MaxPoints = form.Get("weight_"+n), form.Get("max_points_"+n)
		case i < len(rubric):
			c := rubric[i]
			rows[i].NameZH, rows[i].NameEN = c.NameZH, c.NameEN
			rows[i].Weight, rows[i].MaxPoints = strconv.Itoa(c.Weight), strconv.Itoa(c.MaxPoints)
		}
	}
	return rows
}

// RubricInputOf reads the rubric form: each row not left blank is a
// criterion, in order. A number that does not parse is 0, which the use
// case refuses as out of range.
func RubricInputOf(form url.Values) app.RubricInput {
	var in app.RubricInput
	for _, r := range rubricRowsOf(nil, form) {
		if strings.TrimSpace(r.NameZH+r.NameEN+r.Weight+r.MaxPoints) == "" {
			continue
		}
		weight, _ := strconv.Atoi(strings.TrimSpace(r.Weight))
		points, _ := strconv.Atoi(strings.TrimSpace(r.MaxPoints))
		in.Criteria = append(in.Criteria, app.CriterionInput{NameZH: r.NameZH, NameEN: r.NameEN, Weight: weight, MaxPoints: points})
	}
	return in
}

// programRanking shows the programme's ranking, calibrated and raw, with
// its rubric form.
func (s *site) programRanking(c echo.Context) error {
	return s.rankingWith(c, http.StatusOK, nil, nil)
}

// rankingWith renders the ranking page with status; form is the rubric
// form as posted (nil: the rubric as it is) and problem what was wrong
// with it.
func (s *site) rankingWith(c echo.Context, status int, form url.Values, problem *app.Problem) error {
	ctx := c.Request().Context()
	r, err := s.app.ProgramRanking(ctx, actor(c), c.Param("id"))
	if err != nil {
		return s.failWith(c, err)
	}
	rubric, err := s.app.Rubric(ctx, r.Program.ID)
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "ranking.title")
	v.Data = programRankingPage{Ranking: r, Rubric: rubricRowsOf(rubric, form)}
	if c.QueryParam("rubric") == "saved" {
		v.Notice = v.T("rubric.saved")
	}
	if problem != nil {
		v.Notice = v.Say(problem.Msg)
		for f, m := range problem.Fields {
			f, _, _ = strings.Cut(f, "[")
			v.Fields[f] = v.Say(m)
		}
	}
	return s.render(c, status, "admin_ranking", v)
}

// setRubric replaces the programme's rubric from the form, as PUT
// /api/v1/admin/fund-programs/{id}/rubric does; a refusal (a review is in,
// a field out of range) shows on the page beside the form as typed.
func (s *site) setRubric(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return s.failWith(c, err)
	}
	_, err = s.app.SetRubric(c.Request().Context(), actor(c), c.Param("id"), RubricInputOf(form))
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/admin/fund/programs/"+c.Param("id")+"/ranking?rubric=saved")
	}
	p := app.ProblemOf(err)
	if p.Status >= http.StatusInternalServerError || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
		return s.failWith(c, err)
	}
	return s.rankingWith(c, p.Status, form, &p)
}
