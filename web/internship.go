package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/labstack/echo/v4"
)

// rankingPage is the ranking form: MaxPreferences numbered choices, each a
// list of every open place, so that it works without JavaScript.
type rankingPage struct {
	Places  []app.Place
	Choices []int
}

func (s *site) rankingView(c echo.Context) (view, error) {
	var d rankingPage
	var err error
	if d.Places, err = s.app.PlaceChoices(c.Request().Context()); err != nil {
		return view{}, err
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
	v, err := s.rankingView(c)
	if err != nil {
		return s.failWith(c, err)
	}
	raw, err := posted(c)
	if err != nil {
		return s.failWith(c, err)
	}
	form := RankingForm(raw)
	var in app.InternshipInput
	problems := DecodeForm(form, &in)
	v.Form = withoutSecrets(form)
	v.Form.Set("skills", strings.TrimSpace(raw.Get("skills")))
	if problems != nil {
		return s.formProblem(c, "internship", v, problems)
	}
	a, err := s.app.SubmitInternship(c.Request().Context(), actor(c), in)
	if err != nil {
		return s.submitted(c, "internship", v, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-internship-"+a.ID)
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
	id := c.Param("id")
	if _, err := s.app.AnswerOffer(c.Request().Context(), actor(c), id, accept); err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard#wf-internship-"+id)
}
