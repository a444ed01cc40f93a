package workflows

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
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PlaceForm describes an internship place, already checked for shape.
type PlaceForm struct {
	Company  string
	Title    string
	City     string
	Skills   []string
	Capacity int
	// Status is PlaceOpen or PlaceClosed; empty means open.
	Status string
}

// CreatePlace adds an internship place. Company, title and city may not be
// blank.
func CreatePlace(ctx context.Context, db *gorm.DB, f PlaceForm) (models.InternshipPlace, error) {
	now := time.Now().UTC()
	p := models.InternshipPlace{
		ID: models.NewID(), Company: strings.TrimSpace(f.Company), Title: strings.TrimSpace(f.Title), City: strings.TrimSpace(f.City),
		Skills: NormalizeSkills(f.Skills), Capacity: f.Capacity, Status: f.Status, CreatedAt: now, UpdatedAt: now,
	}
	blank := map[string]msg.Message{}
	for field, v := range map[string]string{"company": p.Company, "title": p.Title, "city": p.City} {
		if v == "" {
			blank[field] = msg.New(msg.FieldBlank)
		}
	}
	if len(blank) > 0 {
		return models.InternshipPlace{}, &ValidationError{Fields: blank}
	}
	if p.Status == "" {
		p.Status = PlaceOpen
	}
	if err := db.WithContext(ctx).Create(&p).Error; err != nil {
		return models.InternshipPlace{}, fmt.Errorf("create place: %w", err)
	}
	return p, nil
}

// PlaceChange changes a place's status or capacity; nil fields stay.
type PlaceChange struct {
	Status   *string
	Capacity *int
}

// ChangePlace applies ch to the place placeID. The capacity may not drop
// below the seats that offers hold. A round holds the open places it
// matches (FOR SHARE), so a change waits for a running round to finish.
func ChangePlace(ctx context.Context, db *gorm.DB, placeID string, ch PlaceChange) (models.InternshipPlace, error) {
	var p models.InternshipPlace
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&p, "id = ?", placeID).Error
		if err != nil {
			return fmt.Errorf("lock place %s: %w", placeID, err)
		}
		if ch.Capacity != nil {
			held, err := HeldSeats(ctx, tx, placeID)
			if err != nil {
				return err
			}
			if int64(*ch.Capacity) < held {
				return Invalid("capacity", msg.InternshipCapacityBelowHeld, msg.Int("held", held))
			}
			p.Capacity = *ch.Capacity
		}
		if ch.Status != nil {
			p.Status = *ch.Status
		}
		p.UpdatedAt = time.Now().UTC()
		if err := tx.Save(&p).Error; err != nil {
			return fmt.Errorf("save place %s: %w", placeID, err)
		}
		return nil
	})
	return p, err
}

// HeldSeats counts the seats of placeID that offers hold (offered or
// accepted applications).
func HeldSeats(ctx context.Context, db *gorm.DB, placeID string) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.InternshipApplication{}).
		Where("offer_place_id = ? AND status IN ?", placeID, []string{InternshipOffered, InternshipAccepted}).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count held seats of %s: %w", placeID, err)
	}
	return n, nil
}

// SubmitInternship files accountID's application, pending until the next
// round. An applicant has one application in play at a time; every ranked
// place must be open.
func SubmitInternship(ctx context.Context, db *gorm.DB, accountID string, f InternshipForm) (Submitted[models.InternshipApplication], error) {
	var out Submitted[models.InternshipApplication]
	f, err := f.Normalize()
	if err != nil {
		return out, err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var open []string
		err := tx.Model(&models.InternshipPlace{}).Where("id IN ? AND status = ?", f.Preferences, PlaceOpen).Pluck("id", &open).Error
		if err != nil {
			return fmt.Errorf("look up ranked places: %w", err)
		}
		for i, id := range f.Preferences {
			if !slices.Contains(open, id) {
				return Invalid("preferences", msg.InternshipPreferenceNotOpen, msg.Int("item", int64(i+1)))
			}
		}
		now := time.Now().UTC()
		app := models.InternshipApplication{
			ID: models.NewID(), AccountID: accountID, Preferences: f.Preferences, Skills: f.Skills,
			Status: InternshipPending, CreatedAt: now, UpdatedAt: now,
		}
		err = tx.Create(&app).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Refuse(ErrConflict, msg.InternshipExists)
		}
		if err != nil {
			return fmt.Errorf("create internship application: %w", err)
		}
		err = Record(ctx, tx, InternshipMachine, Transition{
			EntityID: app.ID, To: InternshipPending, Actor: ActorAccount(accountID),
			Reason: "waiting for the next matching round",
		})
		if err != nil {
			return err
		}
		out.Entity = app
		return nil
	})
	return out, err
}

// AnswerOffer accepts (accept) or declines accountID's offer on the
// application appID at now. Only an offered application can be answered,
// and only its owner's; an offer past its deadline can no longer be
// accepted. A declined place goes back to the next round.
func AnswerOffer(ctx context.Context, db *gorm.DB, accountID, appID string, accept bool, now time.Time) (models.InternshipApplication, error) {
	var app models.InternshipApplication
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&app, "id = ? AND account_id = ?", appID, accountID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock internship application %s: %w", appID, err)
		}
		if app.Status != InternshipOffered {
			return Refuse(ErrConflict, msg.InternshipNotOffered, msg.Text("status", app.Status))
		}
		to, reason := InternshipDeclined, "declined by the applicant; the place goes back to the next round"
		if accept {
			if app.OfferExpiresAt != nil && !now.Before(*app.OfferExpiresAt) {
				return Refuse(ErrConflict, msg.InternshipOfferLapsed, msg.Time("at", *app.OfferExpiresAt))
			}
			to, reason = InternshipAccepted, "accepted by the applicant"
		}
		from := app.Status
		app.Status, app.AnsweredAt, app.UpdatedAt = to, &now, now
		err = tx.Model(&app).Select("status", "answered_at", "updated_at").Updates(&app).Error
		if err != nil {
			return fmt.Errorf("answer offer %s: %w", appID, err)
		}
		err = Record(ctx, tx, InternshipMachine, Transition{
			EntityID: app.ID, From: from, To: to, Actor: ActorAccount(accountID), Reason: reason,
		})
		return err
	})
	return app, err
}

// StartRound says who starts a round.
type StartRound struct {
	// Trigger is TriggerAdmin or TriggerSchedule.
	Trigger string
	// AccountID is the admin who asked (TriggerAdmin).
	AccountID string
	// ScheduledFor is the schedule's tick (TriggerSchedule): however many
	// workers see a tick, it starts one round.
	ScheduledFor *time.Time
}

// StartMatchRound queues a matching round and its internship:match task in
// one transaction. While another round is queued or running, or when the
// scheduled tick already has its round, it returns an error wrapping
// ErrConflict.
func StartMatchRound(ctx context.Context, db *gorm.DB, st StartRound) (Submitted[models.MatchRound], error) {
	var out Submitted[models.MatchRound]
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return out, fmt.Errorf("draw a round seed: %w", err)
	}
	round := models.MatchRound{
		ID: models.NewID(), Status: RoundQueued, Seed: int64(binary.LittleEndian.Uint64(seed[:])),
		Trigger: st.Trigger, ScheduledFor: st.ScheduledFor, CreatedAt: time.Now().UTC(),
	}
	actor := ActorTask("schedule")
	if st.AccountID != "" {
		round.RequestedBy, actor = &st.AccountID, ActorAccount(st.AccountID)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&round)
		if res.Error != nil {
			return fmt.Errorf("create match round: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activeRoundConflict(ctx, tx)
		}
		if err := Record(ctx, tx, MatchRoundMachine, Transition{EntityID: round.ID, To: RoundQueued, Actor: actor}); err != nil {
			return err
		}
		id, err := Enqueue(ctx, tx, NewInternshipMatchTask(round.ID))
		if err != nil {
			return err
		}
		out = Submitted[models.MatchRound]{Entity: round, OutboxIDs: []string{id}}
		return nil
	})
	return out, err
}

// activeRoundConflict says which round stood in the way of a new one.
func activeRoundConflict(ctx context.Context, tx *gorm.DB) error {
	var active models.MatchRound
	err := tx.WithContext(ctx).Where("status IN ?", []string{RoundQueued, RoundRunning}).Take(&active).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Refuse(ErrConflict, msg.InternshipRoundStarted)
	case err != nil:
		return fmt.Errorf("look up the active round: %w", err)
	}
	return Refuse(ErrConflict, msg.InternshipRoundActive, msg.Text("round_id", active.ID), msg.Text("status", active.Status))
}
