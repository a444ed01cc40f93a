package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/api"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// placeLimit is how many open places the ranking form lists.
const placeLimit = 500

// rankingPage is the ranking form: MaxPreferences numbered choices, each a
// list of every open place, so that it works without JavaScript.
type rankingPage struct {
	Places  []workflows.PlaceWithFilled
	Choices []int
}

func (s *site) rankingView(c echo.Context) (view, error) {
	var d rankingPage
	err := workflows.PlacesQuery(c.Request().Context(), s.db).Where("p.status = ?", workflows.PlaceOpen).
		Order("p.company, p.title, p.id").Limit(placeLimit).Find(&d.Places).Error
	if err != nil {
		return view{}, fmt.Errorf("load open places: %w", err)
	}
	d.Choices = make([]int, workflows.MaxPreferences)
	for i := range d.Choices {
		d.Choices[i] = i + 1
	}
	v := s.newView(c, "internship.title")
	v.Data = d
	return v, nil
}

func (s *site) rankingForm(c echo.Context) error {
	v, err := s.rankingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	return s.render(c, http.StatusOK, "internship", v)
}

// submitRanking files the applicant's ranked places and skills, as POST
// /api/v1/internship-applications does. Blank choices are skipped, and the
// form comes back with the chosen places first, so that the API's "item n"
// is choice n.
func (s *site) submitRanking(c echo.Context) error {
	acct, _ := account(c)
	ctx := c.Request().Context()
	v, err := s.rankingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := s.kit.RequireVerified(ctx, acct.ID); err != nil {
		return s.submitted(c, "internship", v, err)
	}
	raw, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form := RankingForm(raw)
	var req api.InternshipApplicationRequest
	problems, err := s.check(form, &req)
	if err != nil {
		return s.failWith(c, err)
	}
	v.Form = withoutSecrets(form)
	v.Form.Set("skills", strings.TrimSpace(raw.Get("skills")))
	if problems != nil {
		return s.formProblem(c, "internship", v, problems)
	}
	sub, err := workflows.SubmitInternship(ctx, s.db, acct.ID, workflows.InternshipForm{Preferences: req.Preferences, Skills: req.Skills})
	if err != nil {
		return s.submitted(c, "internship", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-internship-"+sub.Entity.ID)
}

// RankingForm is the ranking form as the API's request reads it: the
// chosen places in order without the blank choices, and the skills as
// SkillsForm reads them. It does not change values.
func RankingForm(values url.Values) url.Values {
	form := SkillsForm(values)
	prefs := []string{}
	for _, p := range values["preferences"] {
		if p = strings.TrimSpace(p); p != "" {
			prefs = append(prefs, p)
		}
	}
	form["preferences"] = prefs
	return form
}

// SkillsForm is a copy of values with the skills, typed in one field and
// separated by commas (Latin or Chinese), semicolons or new lines, as the
// list the API's requests take.
func SkillsForm(values url.Values) url.Values {
	form := make(url.Values, len(values))
	for k, vals := range values {
		form[k] = vals
	}
	skills := strings.FieldsFunc(strings.Join(values["skills"], "\n"), func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' || r == '\n' || r == '\r'
	})
	// An empty list is still a list: the API takes "skills": [].
	form["skills"] = append([]string{""}, skills...)
	return form
}

// ValAt is the i-th value the form had for name ("" when it had fewer).
func (v view) ValAt(name string, i int) string {
	if vals := v.Form[name]; i < len(vals) {
		return vals[i]
	}
	return ""
}

func (s *site) acceptOffer(c echo.Context) error  { return s.answerOffer(c, true) }
func (s *site) declineOffer(c echo.Context) error { return s.answerOffer(c, false) }

// answerOffer accepts or declines the applicant's offer, as POST
// /api/v1/internship-applications/{id}/accept (or decline) does.
func (s *site) answerOffer(c echo.Context, accept bool) error {
	acct, _ := account(c)
	id, err := pathID(c)
	if err != nil {
		return s.failWith(c, err)
	}
	if _, err := workflows.AnswerOffer(c.Request().Context(), s.db, acct.ID, id, accept, time.Now().UTC()); err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-internship-"+id)
}
