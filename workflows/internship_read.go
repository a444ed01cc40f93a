package workflows

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/campusbiz/campusbiz/models"
)

// ExplainApplication explains app's outcome in the last round that decided
// it, from what that round stored; nil before any round.
func ExplainApplication(ctx context.Context, db *gorm.DB, app models.InternshipApplication) (*InternshipExplanation, error) {
	if app.RoundID == nil {
		return nil, nil
	}
	db = db.WithContext(ctx)
	var entry models.MatchRoundEntry
	err := db.Take(&entry, "round_id = ? AND application_id = ?", *app.RoundID, app.ID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load round entry of %s: %w", app.ID, err)
	}
	var rows []models.MatchRoundPlace
	err = db.Where("round_id = ? AND place_id IN ?", entry.RoundID, []string(app.Preferences)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load round places of %s: %w", app.ID, err)
	}
	places := make(map[string]PlaceOutcome, len(rows))
	for _, r := range rows {
		out := PlaceOutcome{Seats: int32(r.Seats)}
		if r.CutoffScore != nil {
			score := int32(*r.CutoffScore)
			out.CutoffScore = &score
		}
		places[r.PlaceID] = out
	}
	offered := ""
	if entry.PlaceID != nil {
		offered = *entry.PlaceID
	}
	e := ExplainOutcome(entry.RoundID, app.Preferences, entry.Scores, offered, places)
	return &e, nil
}

// PlaceWithFilled is a place and the seats offers hold there.
type PlaceWithFilled struct {
	models.InternshipPlace `gorm:"embedded"`
	// Filled counts offered and accepted applications.
	Filled int64
}

// PlacesQuery selects places with their filled seats; callers add
// conditions on the alias p and page by p.id.
func PlacesQuery(ctx context.Context, db *gorm.DB) *gorm.DB {
	return db.WithContext(ctx).Table("internship_places AS p").
		Select(`p.*, (SELECT count(*) FROM internship_applications a
			WHERE a.offer_place_id = p.id AND a.status IN ?) AS filled`, []string{InternshipOffered, InternshipAccepted})
}
