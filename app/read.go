package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// assignedFunc reports whether the reviewer accountID is assigned to row.
type assignedFunc[M any] func(db *gorm.DB, row M, accountID string) (bool, error)

// readable loads the row of M with id if the actor may read it: its owner
// (owner says who that is), an admin, or, when assigned is given, a
// reviewer it says is assigned. Anyone else, and an id that is none, gets
// workflows.ErrNotFound, so other people's ids cannot be probed.
func readable[M any](ctx context.Context, a *App, actor Actor, id string, owner func(M) string, assigned assignedFunc[M]) (M, error) {
	var zero M
	row, err := public[M](ctx, a, id)
	if err != nil {
		return zero, err
	}
	isAssigned := false
	if assigned != nil && actor.Role == models.RoleReviewer {
		if isAssigned, err = assigned(a.db.WithContext(ctx), row, actor.ID); err != nil {
			return zero, err
		}
	}
	if !actor.canRead(owner(row), isAssigned) {
		return zero, workflows.ErrNotFound
	}
	return row, nil
}

// public loads the row of M with id that anyone may read.
func public[M any](ctx context.Context, a *App, id string) (M, error) {
	var row, zero M
	if err := checkID(id); err != nil {
		return zero, err
	}
	err := a.db.WithContext(ctx).Take(&row, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return zero, workflows.ErrNotFound
	}
	if err != nil {
		return zero, fmt.Errorf("load %T %s: %w", row, id, err)
	}
	return row, nil
}

// Timeline is one page of an entity's events, oldest first.
type Timeline struct {
	Events []models.WorkflowEvent
	// NextCursor fetches the next page; "" on the last.
	NextCursor string
}

// timeline reads one page of entityID's events, after the event the
// cursor names (the last event id seen; "" for the first page). The
// caller has checked that the actor may read the entity.
func (a *App) timeline(ctx context.Context, entityID string, p Page) (Timeline, error) {
	limit, err := p.limit()
	if err != nil {
		return Timeline{}, err
	}
	var after int64
	if p.Cursor != "" {
		n, err := strconv.ParseInt(p.Cursor, 10, 64)
		if err != nil || n < 0 {
			return Timeline{}, workflows.Invalid("cursor", msg.FieldCursor)
		}
		after = n
	}
	evs, err := engine.Events(ctx, a.db, entityID, after, limit+1)
	if err != nil {
		return Timeline{}, err
	}
	out := Timeline{Events: evs}
	if len(evs) > limit {
		out.Events = evs[:limit]
		out.NextCursor = strconv.FormatInt(evs[limit-1].ID, 10)
	}
	return out, nil
}

// ProfileEvents is the timeline of the student profile id, for those who
// may read the profile.
func (a *App) ProfileEvents(ctx context.Context, actor Actor, id string, p Page) (Timeline, error) {
	prof, err := a.Profile(ctx, actor, id)
	if err != nil {
		return Timeline{}, err
	}
	return a.timeline(ctx, prof.ID, p)
}

// checkID refuses, as not found, what cannot be an id: a path that names no
// entity tells nothing apart and costs no database round trip.
func checkID(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return workflows.ErrNotFound
	}
	return nil
}
