package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PlaceInput is a new internship place: the body of POST /admin/internships
// and the admin internships page's form.
type PlaceInput struct {
	Company string   `json:"company" validate:"required,notblank,max=100,nocontrol"`
	Title   string   `json:"title" validate:"required,notblank,max=100,nocontrol"`
	City    string   `json:"city" validate:"required,notblank,max=50,nocontrol"`
	Skills  []string `json:"skills" validate:"max=20,dive,max=50,nocontrol"`
	// Capacity is a pointer so that a missing capacity differs from 0.
	Capacity *int `json:"capacity" validate:"required,min=0,max=10000"`
	// Status is open (the default) or closed.
	Status string `json:"status" validate:"omitempty,oneof=open closed"`
}

// PlaceChangeInput changes a place: the body of PATCH
// /admin/internships/{id} and the admin internships page's row form. Nil
// fields stay as they are; at least one must be sent.
type PlaceChangeInput struct {
	Status   *string `json:"status" validate:"omitempty,oneof=open closed"`
	Capacity *int    `json:"capacity" validate:"omitempty,min=0,max=10000"`
}

// Place is an internship place with the seats offers hold there.
type Place = workflows.PlaceWithFilled

// CreatePlace adds an internship place.
func (a *App) CreatePlace(ctx context.Context, actor Actor, in PlaceInput) (Place, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Place{}, err
	}
	if err := a.validate(in); err != nil {
		return Place{}, err
	}
	now := a.now()
	p := models.InternshipPlace{
		ID: models.NewID(), Company: strings.TrimSpace(in.Company), Title: strings.TrimSpace(in.Title),
		City: strings.TrimSpace(in.City), Skills: workflows.NormalizeSkills(in.Skills), Capacity: *in.Capacity,
		Status: in.Status, CreatedAt: now, UpdatedAt: now,
	}
	if p.Status == "" {
		p.Status = workflows.PlaceOpen
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		if err := w.DB().Create(&p).Error; err != nil {
			return fmt.Errorf("create place: %w", err)
		}
		return a.audit(w, actor, AuditCreatePlace, "internship_place", p.ID, nil, p)
	})
	if err != nil {
		return Place{}, err
	}
	return Place{InternshipPlace: p}, nil
}

// ChangePlace changes the place's status or capacity. The capacity may not
// drop below the seats that offers hold. A round holds the open places it
// matches (FOR SHARE), so a change waits for a running round to finish.
func (a *App) ChangePlace(ctx context.Context, actor Actor, placeID string, in PlaceChangeInput) (Place, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return Place{}, err
	}
	if err := checkID(placeID); err != nil {
		return Place{}, err
	}
	if err := a.validate(in); err != nil {
		return Place{}, err
	}
	if in.Status == nil && in.Capacity == nil {
		empty := msg.New(msg.InternshipChangeEmpty)
		return Place{}, &workflows.ValidationError{Fields: map[string]msg.Message{"status": empty, "capacity": empty}}
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		var p models.InternshipPlace
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&p, "id = ?", placeID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock place %s: %w", placeID, err)
		}
		before := p
		if in.Capacity != nil {
			// The seats offers hold, counted as every place's Filled is.
			var held Place
			if err := workflows.PlacesQuery(ctx, tx).Where("p.id = ?", placeID).Take(&held).Error; err != nil {
				return fmt.Errorf("count held seats of %s: %w", placeID, err)
			}
			if int64(*in.Capacity) < held.Filled {
				return workflows.Invalid("capacity", msg.InternshipCapacityBelowHeld, msg.Int("held", held.Filled))
			}
			p.Capacity = *in.Capacity
		}
		if in.Status != nil {
			p.Status = *in.Status
		}
		p.UpdatedAt = a.now()
		if err := tx.Save(&p).Error; err != nil {
			return fmt.Errorf("save place %s: %w", placeID, err)
		}
		return a.audit(w, actor, AuditChangePlace, "internship_place", p.ID, before, p)
	})
	if err != nil {
		return Place{}, err
	}
	return a.Place(ctx, placeID)
}

// OpenPlaces lists the open places by id; anyone may read them.
func (a *App) OpenPlaces(ctx context.Context, p Page) (List[Place], error) {
	q := workflows.PlacesQuery(ctx, a.db).Where("p.status = ?", workflows.PlaceOpen)
	return listRows(q, p, "p.id", false, func(pl Place) string { return pl.ID })
}

// Place is the place id with its filled seats; anyone may read it.
func (a *App) Place(ctx context.Context, id string) (Place, error) {
	if err := checkID(id); err != nil {
		return Place{}, err
	}
	var p Place
	err := workflows.PlacesQuery(ctx, a.db).Where("p.id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Place{}, workflows.ErrNotFound
	}
	if err != nil {
		return Place{}, fmt.Errorf("load place %s: %w", id, err)
	}
	return p, nil
}

// InternshipInput is an internship application: places best first and the
// applicant's skills; the body of POST /internship-applications and the
// internships page's form.
type InternshipInput struct {
	Preferences []string `json:"preferences" validate:"required,min=1,max=10,dive,uuid"`
	Skills      []string `json:"skills" validate:"required,max=20,dive,max=50,nocontrol"`
}

// SubmitInternship files the verified applicant's application, pending
// until the next round. An applicant has one application in play at a
// time; every ranked place must be open.
func (a *App) SubmitInternship(ctx context.Context, actor Actor, in InternshipInput) (models.InternshipApplication, error) {
	if _, err := a.requireVerified(ctx, actor); err != nil {
		return models.InternshipApplication{}, err
	}
	if err := a.validate(in); err != nil {
		return models.InternshipApplication{}, err
	}
	f, err := workflows.InternshipForm{Preferences: in.Preferences, Skills: in.Skills}.Normalize()
	if err != nil {
		return models.InternshipApplication{}, err
	}
	now := a.now()
	app := models.InternshipApplication{
		ID: models.NewID(), AccountID: actor.ID, Preferences: f.Preferences, Skills: f.Skills,
		Status: workflows.InternshipPending, CreatedAt: now, UpdatedAt: now,
	}
	err = a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		var open []string
		err := tx.Model(&models.InternshipPlace{}).Where("id IN ? AND status = ?", f.Preferences, workflows.PlaceOpen).Pluck("id", &open).Error
		if err != nil {
			return fmt.Errorf("look up ranked places: %w", err)
		}
		for i, id := range f.Preferences {
			if !slices.Contains(open, id) {
				return workflows.Invalid("preferences", msg.InternshipPreferenceNotOpen, msg.Int("item", int64(i+1)))
			}
		}
		err = tx.Create(&app).Error
		if engine.IsUniqueViolation(err) {
			return workflows.Refuse(workflows.ErrConflict, msg.InternshipExists)
		}
		if err != nil {
			return fmt.Errorf("create internship application: %w", err)
		}
		return w.Record(workflows.InternshipMachine, engine.Transition{
			EntityID: app.ID, To: workflows.InternshipPending, Actor: engine.ActorAccount(actor.ID),
			Reasons: []models.Reason{workflows.NewReason("", msg.InternshipWaiting)},
		})
	})
	return app, err
}

// AnswerOffer accepts (accept) or declines the applicant's offer on the
// application appID. Only an offered application can be answered, and
// only its owner's; an offer past its deadline can no longer be accepted.
// A declined place goes back to the next round.
func (a *App) AnswerOffer(ctx context.Context, actor Actor, appID string, accept bool) (InternshipApplication, error) {
	if err := actor.require(models.RoleApplicant); err != nil {
		return InternshipApplication{}, err
	}
	if err := checkID(appID); err != nil {
		return InternshipApplication{}, err
	}
	now := a.now()
	var app models.InternshipApplication
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		tx := w.DB()
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&app, "id = ? AND account_id = ?", appID, actor.ID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return workflows.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock internship application %s: %w", appID, err)
		}
		if app.Status != workflows.InternshipOffered {
			return workflows.Refuse(workflows.ErrConflict, msg.InternshipNotOffered, msg.Text("status", app.Status))
		}
		to, why := workflows.InternshipDeclined, msg.InternshipDeclinedByApplicant
		if accept {
			if app.OfferExpiresAt != nil && !now.Before(*app.OfferExpiresAt) {
				return workflows.Refuse(workflows.ErrConflict, msg.InternshipOfferLapsed, msg.Time("at", *app.OfferExpiresAt))
			}
			to, why = workflows.InternshipAccepted, msg.InternshipAcceptedByApplicant
		}
		from := app.Status
		app.Status, app.AnsweredAt, app.UpdatedAt = to, &now, now
		err = tx.Model(&app).Select("status", "answered_at", "updated_at").Updates(&app).Error
		if err != nil {
			return fmt.Errorf("answer offer %s: %w", appID, err)
		}
		return w.Record(workflows.InternshipMachine, engine.Transition{
			EntityID: app.ID, From: from, To: to, Actor: engine.ActorAccount(actor.ID),
			Reasons: []models.Reason{workflows.NewReason("", why)},
		})
	})
	if err != nil {
		return InternshipApplication{}, err
	}
	return a.explained(ctx, app)
}

// InternshipApplication is an application with its offer's place, if any,
// and the explanation of its last round.
type InternshipApplication struct {
	models.InternshipApplication
	OfferPlace  *Place
	Explanation *workflows.InternshipExplanation
}

// InternshipApplication is the application id for its owner or an admin.
func (a *App) InternshipApplication(ctx context.Context, actor Actor, id string) (InternshipApplication, error) {
	app, err := a.readableInternship(ctx, actor, id)
	if err != nil {
		return InternshipApplication{}, err
	}
	return a.explained(ctx, app)
}

func (a *App) readableInternship(ctx context.Context, actor Actor, id string) (models.InternshipApplication, error) {
	return readable(ctx, a, actor, id, func(x models.InternshipApplication) string { return x.AccountID }, nil)
}

// explained adds the offered place and the round's explanation to app.
func (a *App) explained(ctx context.Context, app models.InternshipApplication) (InternshipApplication, error) {
	out := InternshipApplication{InternshipApplication: app}
	if app.OfferPlaceID != nil {
		place, err := a.Place(ctx, *app.OfferPlaceID)
		if err != nil {
			return InternshipApplication{}, err
		}
		out.OfferPlace = &place
	}
	e, err := workflows.ExplainApplication(ctx, a.db, app)
	if err != nil {
		return InternshipApplication{}, err
	}
	out.Explanation = e
	return out, nil
}

// InternshipEvents is the timeline of the application id, for its owner or
// an admin.
func (a *App) InternshipEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	app, err := a.readableInternship(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, app.ID, p)
}

// InternshipApplications lists the actor's own applications, or for an
// admin everyone's, narrowed by status, oldest first.
func (a *App) InternshipApplications(ctx context.Context, actor Actor, status string, p Page) (List[models.InternshipApplication], error) {
	if err := actor.require(models.RoleApplicant, models.RoleAdmin); err != nil {
		return List[models.InternshipApplication]{}, err
	}
	q := a.db.WithContext(ctx)
	if !actor.IsAdmin() {
		q = q.Where("account_id = ?", actor.ID)
	}
	states := []string{workflows.InternshipPending, workflows.InternshipOffered, workflows.InternshipAccepted,
		workflows.InternshipDeclined, workflows.InternshipUnmatched}
	switch {
	case status == "":
	case slices.Contains(states, status):
		q = q.Where("status = ?", status)
	default:
		return List[models.InternshipApplication]{}, workflows.Invalid("status", msg.FieldOneOf, msg.Texts("values", states))
	}
	return listRows(q, p, "id", false, func(x models.InternshipApplication) string { return x.ID })
}

// OwnInternshipApplications are the applicant's newest applications, at
// most limit, each with its offered place (read in one query).
func (a *App) OwnInternshipApplications(ctx context.Context, actor Actor, limit int) ([]InternshipApplication, error) {
	rows, err := ownNewest[models.InternshipApplication](ctx, a, actor, limit)
	if err != nil {
		return nil, err
	}
	var offered []string
	for _, r := range rows {
		if r.OfferPlaceID != nil {
			offered = append(offered, *r.OfferPlaceID)
		}
	}
	places := map[string]Place{}
	if len(offered) > 0 {
		var found []Place
		if err := workflows.PlacesQuery(ctx, a.db).Where("p.id IN ?", offered).Find(&found).Error; err != nil {
			return nil, fmt.Errorf("load offered places of %s: %w", actor.ID, err)
		}
		for _, p := range found {
			places[p.ID] = p
		}
	}
	out := make([]InternshipApplication, len(rows))
	for i, r := range rows {
		out[i].InternshipApplication = r
		if r.OfferPlaceID != nil {
			if p, ok := places[*r.OfferPlaceID]; ok {
				out[i].OfferPlace = &p
			}
		}
	}
	return out, nil
}

// StartMatchRound queues a matching round at an admin's request (see
// startRound).
func (a *App) StartMatchRound(ctx context.Context, actor Actor) (models.MatchRound, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.MatchRound{}, err
	}
	return a.startRound(ctx, workflows.TriggerAdmin, &actor, nil)
}

// startRound queues a matching round and its internship:match task in one
// unit of work. While another round is queued or running, or when the
// scheduled tick (scheduledFor) already has its round, it refuses with a
// conflict. A round an admin (by) asks for is audited; the schedule's is
// not.
func (a *App) startRound(ctx context.Context, trigger string, by *Actor, scheduledFor *time.Time) (models.MatchRound, error) {
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return models.MatchRound{}, fmt.Errorf("draw a round seed: %w", err)
	}
	round := models.MatchRound{
		ID: models.NewID(), Status: workflows.RoundQueued, Seed: int64(binary.LittleEndian.Uint64(seed[:])),
		Trigger: trigger, ScheduledFor: scheduledFor, CreatedAt: a.now(),
	}
	actor := engine.ActorTask("schedule")
	if by != nil {
		round.RequestedBy, actor = &by.ID, engine.ActorAccount(by.ID)
	}
	err := a.engine.Do(ctx, func(w *engine.Work) error {
		res := w.DB().Clauses(clause.OnConflict{DoNothing: true}).Create(&round)
		if res.Error != nil {
			return fmt.Errorf("create match round: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activeRoundConflict(w.DB())
		}
		if err := w.Record(workflows.MatchRoundMachine, engine.Transition{EntityID: round.ID, To: workflows.RoundQueued, Actor: actor}); err != nil {
			return err
		}
		if by != nil {
			if err := a.audit(w, *by, AuditStartMatchRound, "match_round", round.ID, nil, round); err != nil {
				return err
			}
		}
		_, err := w.Enqueue(workflows.NewInternshipMatchTask(round.ID))
		return err
	})
	return round, err
}

// activeRoundConflict says which round stood in the way of a new one.
func activeRoundConflict(tx *gorm.DB) error {
	var active models.MatchRound
	err := tx.Where("status IN ?", []string{workflows.RoundQueued, workflows.RoundRunning}).Take(&active).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return workflows.Refuse(workflows.ErrConflict, msg.InternshipRoundStarted)
	case err != nil:
		return fmt.Errorf("look up the active round: %w", err)
	}
	return workflows.Refuse(workflows.ErrConflict, msg.InternshipRoundActive, msg.Text("round_id", active.ID), msg.Text("status", active.Status))
}

// MatchRounds lists the rounds, newest first, for admins.
func (a *App) MatchRounds(ctx context.Context, actor Actor, p Page) (List[models.MatchRound], error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return List[models.MatchRound]{}, err
	}
	return listRows(a.db.WithContext(ctx), p, "id", true, func(r models.MatchRound) string { return r.ID })
}

// MatchRound is the round id, for admins.
func (a *App) MatchRound(ctx context.Context, actor Actor, id string) (models.MatchRound, error) {
	if err := actor.require(models.RoleAdmin); err != nil {
		return models.MatchRound{}, err
	}
	return public[models.MatchRound](ctx, a, id)
}

// MatchRoundEvents is the timeline of the round id, for admins.
func (a *App) MatchRoundEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	round, err := a.MatchRound(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, round.ID, p)
}
