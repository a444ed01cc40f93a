package api

import (
	"context"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// EventView is one step of a timeline.
type EventView struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Actor string    `json:"actor"`
	// Reason says why, rendered in the request's language; Reasons are the
	// same as codes with parameters.
	Reason  string       `json:"reason"`
	Reasons []ReasonView `json:"reasons"`
	// TaskID opens the task in Asynqmon; null for changes made by people.
	TaskID  *string `json:"task_id"`
	Attempt int     `json:"attempt"`
}

func eventView(ev models.WorkflowEvent, p i18n.Printer) EventView {
	v := EventView{ID: ev.ID, At: ev.At.UTC(), From: ev.FromState, To: ev.ToState, Actor: ev.Actor,
		Reason: ev.Reason, Reasons: reasonViews(ev.Reasons, p), TaskID: ev.TaskID, Attempt: ev.Attempt}
	if len(ev.Reasons) > 0 {
		v.Reason = p.Reasons(ev.Reasons)
	}
	return v
}

// events answers GET .../{param}/events with the timeline that read (a
// use case) gives the signed-in account, oldest first, paged by ?cursor=
// (the last event id seen) and ?limit=.
func events(read func(context.Context, app.Actor, string, app.Page) (app.Timeline, error), param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := pageOf(c)
		if err != nil {
			return err
		}
		tl, err := read(c.Request().Context(), actor(c), c.Param(param), p)
		if err != nil {
			return err
		}
		pr := printer(c)
		out := List[EventView]{Items: make([]EventView, len(tl.Events)), NextCursor: tl.NextCursor}
		for i, ev := range tl.Events {
			out.Items[i] = eventView(ev, pr)
		}
		return c.JSON(http.StatusOK, out)
	}
}

// NotificationView is one in-app notification, rendered in the request's
// language, with its code and parameters.
type NotificationView struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Body       string         `json:"body"`
	Code       string         `json:"code"`
	Params     map[string]any `json:"params,omitempty"`
	EntityType string         `json:"entity_type"`
	EntityID   string         `json:"entity_id"`
	CreatedAt  time.Time      `json:"created_at"`
	// ReadAt is when it was marked read; absent while unread.
	ReadAt *time.Time `json:"read_at,omitempty"`
}

func (s *server) notifications(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.Notifications(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	pr := printer(c)
	return c.JSON(http.StatusOK, listOf(l, func(n app.Notification) NotificationView {
		title, body := pr.Notification(n.Notification, n.Reasons)
		return NotificationView{ID: n.ID, Title: title, Body: body, Code: n.Code, Params: n.Params,
			EntityType: n.EntityType, EntityID: n.EntityID, CreatedAt: n.CreatedAt.UTC(), ReadAt: utc(n.ReadAt)}
	}))
}
