package app

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
)

// name gives each of d's workflows the real name a card is titled with:
// the student's name, the shop's, the fund programme's, the internship
// place's (the offered one, else the first choice) and the course's. The
// names are read in three queries, whatever the number of cards.
func (a *App) name(ctx context.Context, d *Dashboard) error {
	var programs, places, courses []string
	for _, w := range d.Workflows {
		switch {
		case w.Fund != nil:
			programs = append(programs, w.Fund.ProgramID)
		case w.Intern != nil && w.Intern.OfferPlace == nil && len(w.Intern.Preferences) > 0:
			places = append(places, w.Intern.Preferences[0])
		case w.Enroll != nil:
			courses = append(courses, w.Enroll.CourseID)
		}
	}
	programNames, err := namesOf[models.FundProgram](ctx, a, programs, "name", func(p models.FundProgram) (string, string) { return p.ID, p.Name })
	if err != nil {
		return err
	}
	placeNames, err := namesOf[models.InternshipPlace](ctx, a, places, "company, title, city",
		func(p models.InternshipPlace) (string, string) { return p.ID, placeName(p) })
	if err != nil {
		return err
	}
	courseNames, err := namesOf[models.Course](ctx, a, courses, "title", func(c models.Course) (string, string) { return c.ID, c.Title })
	if err != nil {
		return err
	}
	for i, w := range d.Workflows {
		t := &d.Workflows[i]
		switch {
		case w.Profile != nil:
			t.Name = w.Profile.FullName
		case w.Shop != nil:
			t.Name = w.Shop.ShopName
		case w.Fund != nil:
			t.Name = programNames[w.Fund.ProgramID]
		case w.Intern != nil && w.Intern.OfferPlace != nil:
			t.Name = placeName(w.Intern.OfferPlace.InternshipPlace)
		case w.Intern != nil && len(w.Intern.Preferences) > 0:
			t.Name = placeNames[w.Intern.Preferences[0]]
		case w.Enroll != nil:
			t.Name = courseNames[w.Enroll.CourseID]
		}
	}
	return nil
}

// placeName is how a place is named: "阿里巴巴 · 店铺运营实习 · 杭州".
func placeName(p models.InternshipPlace) string {
	return p.Company + " · " + p.Title + " · " + p.City
}

// namesOf reads the rows of M with ids (their id and cols) and names each
// by id.
func namesOf[M any](ctx context.Context, a *App, ids []string, cols string, name func(M) (string, string)) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []M
	if err := a.db.WithContext(ctx).Select("id, "+cols).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		var zero M
		return nil, fmt.Errorf("names of %T: %w", zero, err)
	}
	for _, r := range rows {
		id, n := name(r)
		out[id] = n
	}
	return out, nil
}
