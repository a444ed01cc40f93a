package app

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
)

// The applicant's own pages read through these: what to show on the
// dashboard and what the forms offer.

// ownLimit is how many of their own shops, applications or enrollments an
// applicant's page lists, newest first.
const ownLimit = 20

// timelineLimit is how many events of each workflow the dashboard shows.
const timelineLimit = 20

// Tracked is one of the applicant's workflows with its timeline.
type Tracked struct {
	// Kind is the workflow: onboarding, shop, fund, internship or enrollment.
	Kind     string
	Profile  *models.StudentProfile
	Shop     *models.Shop
	Fund     *models.FundApplication
	Intern   *InternshipApplication
	Enroll   *Enrollment
	Timeline []models.WorkflowEvent
	// Name is what the card is titled with: the course, the place, the
	// programme, the shop, the student.
	Name string
}

// ID is the tracked entity's id.
func (t Tracked) ID() string {
	switch {
	case t.Profile != nil:
		return t.Profile.ID
	case t.Shop != nil:
		return t.Shop.ID
	case t.Fund != nil:
		return t.Fund.ID
	case t.Intern != nil:
		return t.Intern.ID
	case t.Enroll != nil:
		return t.Enroll.ID
	}
	return ""
}

// Dashboard is the applicant's dashboard: every workflow of theirs, newest
// first within each kind, with its timeline.
type Dashboard struct {
	Profile   *models.StudentProfile
	HasShop   bool
	Workflows []Tracked
}

// Dashboard reads the applicant's dashboard.
func (a *App) Dashboard(ctx context.Context, actor Actor) (Dashboard, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return Dashboard{}, err
	}
	var d Dashboard
	var err error
	if d.Profile, err = a.OwnProfile(ctx, actor); err != nil {
		return Dashboard{}, err
	}
	if d.Profile != nil {
		d.Workflows = append(d.Workflows, Tracked{Kind: "onboarding", Profile: d.Profile})
	}
	shops, err := a.OwnShops(ctx, actor, ownLimit)
	if err != nil {
		return Dashboard{}, err
	}
	d.HasShop = len(shops) > 0
	for i := range shops {
		d.Workflows = append(d.Workflows, Tracked{Kind: "shop", Shop: &shops[i]})
	}
	funds, err := a.OwnFundApplications(ctx, actor, ownLimit)
	if err != nil {
		return Dashboard{}, err
	}
	for i := range funds {
		d.Workflows = append(d.Workflows, Tracked{Kind: "fund", Fund: &funds[i]})
	}
	interns, err := a.OwnInternshipApplications(ctx, actor, ownLimit)
	if err != nil {
		return Dashboard{}, err
	}
	for i := range interns {
		d.Workflows = append(d.Workflows, Tracked{Kind: "internship", Intern: &interns[i]})
	}
	enrolls, err := ownNewest[models.Enrollment](ctx, a, actor, ownLimit)
	if err != nil {
		return Dashboard{}, err
	}
	withSerials, err := a.withSerials(ctx, enrolls)
	if err != nil {
		return Dashboard{}, err
	}
	for i := range withSerials {
		d.Workflows = append(d.Workflows, Tracked{Kind: "enrollment", Enroll: &withSerials[i]})
	}
	ids := make([]string, len(d.Workflows))
	for i, w := range d.Workflows {
		ids[i] = w.ID()
	}
	timelines, err := a.firstEvents(ctx, ids, timelineLimit)
	if err != nil {
		return Dashboard{}, err
	}
	for i := range d.Workflows {
		d.Workflows[i].Timeline = timelines[ids[i]]
	}
	if err := a.name(ctx, &d); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// firstEvents reads the first n events of each of entityIDs, oldest first,
// in one query (by the workflow_events_entity index).
func (a *App) firstEvents(ctx context.Context, entityIDs []string, n int) (map[string][]models.WorkflowEvent, error) {
	out := make(map[string][]models.WorkflowEvent, len(entityIDs))
	if len(entityIDs) == 0 {
		return out, nil
	}
	var evs []models.WorkflowEvent
	err := a.db.WithContext(ctx).Raw(`SELECT * FROM (
			SELECT e.*, row_number() OVER (PARTITION BY e.entity_id ORDER BY e.id) AS rn
			FROM workflow_events e WHERE e.entity_id IN ?) x
		WHERE rn <= ? ORDER BY id`, entityIDs, n).Scan(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("load timelines: %w", err)
	}
	for _, ev := range evs {
		out[ev.EntityID] = append(out[ev.EntityID], ev)
	}
	return out, nil
}

// FundChoices is what the fund application form offers: the programmes
// open now and the applicant's verified shops.
type FundChoices struct {
	Programs []models.FundProgram
	Shops    []models.Shop
}

// FundChoices reads what the fund application form offers the applicant.
func (a *App) FundChoices(ctx context.Context, actor Actor) (FundChoices, error) {
	db := a.db.WithContext(ctx)
	var d FundChoices
	now := a.now()
	err := db.Where("opens_at <= ? AND closes_at > ?", now, now).Order("closes_at, id").Limit(ownLimit).Find(&d.Programs).Error
	if err != nil {
		return FundChoices{}, fmt.Errorf("load open programmes: %w", err)
	}
	err = db.Where("account_id = ? AND status = ?", actor.ID, workflows.ShopVerified).Order("id DESC").Limit(ownLimit).Find(&d.Shops).Error
	if err != nil {
		return FundChoices{}, fmt.Errorf("load verified shops of %s: %w", actor.ID, err)
	}
	return d, nil
}

// placeChoiceLimit is how many open places the ranking form lists.
const placeChoiceLimit = 500

// PlaceChoices are the open places by company and title, for the ranking
// form.
func (a *App) PlaceChoices(ctx context.Context) ([]Place, error) {
	var places []Place
	err := workflows.PlacesQuery(ctx, a.db).Where("p.status = ?", workflows.PlaceOpen).
		Order("p.company, p.title, p.id").Limit(placeChoiceLimit).Find(&places).Error
	if err != nil {
		return nil, fmt.Errorf("load open places: %w", err)
	}
	return places, nil
}
