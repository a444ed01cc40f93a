package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// EventView is one step of a timeline.
type EventView struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
	// TaskID opens the task in Asynqmon; null for changes made by people.
	TaskID  *string `json:"task_id"`
	Attempt int     `json:"attempt"`
}

// events answers GET .../{id}/events: the entity's timeline, oldest first,
// paged by ?cursor= (the last event id seen) and ?limit=.
func (s *server) events(c echo.Context, entityID string) error {
	limit := defaultLimit
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return queryError("limit", msg.FieldRange, msg.Int("min", 1), msg.Int("max", maxLimit))
		}
		limit = n
	}
	var after int64
	if raw := c.QueryParam("cursor"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return queryError("cursor", msg.FieldCursor)
		}
		after = n
	}
	evs, err := workflows.Events(c.Request().Context(), s.db, entityID, after, limit+1)
	if err != nil {
		return err
	}
	out := List[EventView]{Items: make([]EventView, 0, len(evs))}
	for i, ev := range evs {
		if i == limit {
			out.NextCursor = strconv.FormatInt(evs[i-1].ID, 10)
			break
		}
		out.Items = append(out.Items, eventView(ev))
	}
	return c.JSON(http.StatusOK, out)
}

func eventView(ev models.WorkflowEvent) EventView {
	return EventView{ID: ev.ID, At: ev.At.UTC(), From: ev.FromState, To: ev.ToState, Actor: ev.Actor,
		Reason: ev.Reason, TaskID: ev.TaskID, Attempt: ev.Attempt}
}

// NotificationView is one in-app notification.
type NotificationView struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *server) notifications(c echo.Context) error {
	q := s.db.WithContext(c.Request().Context()).Where("account_id = ?", current(c).ID)
	return listPage(c, q, "id", true, notificationView, func(v NotificationView) string { return v.ID })
}

func notificationView(n models.Notification) NotificationView {
	return NotificationView{ID: n.ID, Title: n.Title, Body: n.Body, EntityType: n.EntityType,
		EntityID: n.EntityID, CreatedAt: n.CreatedAt.UTC()}
}
