package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// CountedList is the envelope of a list that says how many rows it holds:
// a page, the cursor of the next, and the total (the admin lists count at
// most app.CountCap rows, then total_capped is true; a reviewer's queue
// counts exactly).
type CountedList[T any] struct {
	Items       []T    `json:"items"`
	NextCursor  string `json:"next_cursor"`
	Total       int64  `json:"total"`
	TotalCapped bool   `json:"total_capped"`
}

// adminList serves one admin list: read the page and the filter, call
// list, render each row as it is (the row types carry their JSON names).
func adminList[R any](list func(context.Context, app.Actor, app.ListFilter, app.Page) (app.Counted[R], error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := pageOf(c)
		if err != nil {
			return err
		}
		l, err := list(c.Request().Context(), actor(c), app.ListFilterOf(c.QueryParam), p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, CountedList[R]{Items: l.Items, NextCursor: l.NextCursor, Total: l.Total, TotalCapped: l.TotalCapped})
	}
}

// AuditView is one audit log entry.
type AuditView struct {
	ID         string    `json:"id"`
	ActorID    string    `json:"actor_id"`
	ActorRole  string    `json:"actor_role"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	At         time.Time `json:"at"`
	IP         string    `json:"ip"`
	// Before is the entity as it was; absent for a creation.
	Before json.RawMessage `json:"before,omitempty"`
	// After is the entity as it became; absent when nothing remains.
	After json.RawMessage `json:"after,omitempty"`
}

func auditView(e app.AuditEntry) AuditView {
	return AuditView{ID: e.ID, ActorID: e.ActorID, ActorRole: e.ActorRole, Action: e.Action, EntityType: e.EntityType,
		EntityID: e.EntityID, At: e.At.UTC(), IP: e.IP, Before: e.Before, After: e.After}
}

func (s *server) audit(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.Audit(c.Request().Context(), actor(c), app.AuditFilter{ActorID: c.QueryParam("actor_id"),
		EntityID: c.QueryParam("entity_id")}, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, auditView))
}

// export streams GET /admin/exports/{name}.csv.
func (s *server) export(c echo.Context) error {
	return s.app.ServeExport(c.Request().Context(), actor(c), c.Param("file"), c.Response())
}

// ShopOutcomeView is one shop's outcome in a bulk decision.
type ShopOutcomeView struct {
	ShopID string `json:"shop_id"`
	// Status is the shop's new status; empty when it was left as it was.
	Status string       `json:"status"`
	Error  *ErrorDetail `json:"error"`
}

// BulkView answers a bulk decision: each shop's outcome, and how many were
// decided.
type BulkView struct {
	Items   []ShopOutcomeView `json:"items"`
	Decided int               `json:"decided"`
}

func (s *server) bulkConfirmShops(c echo.Context) error {
	var in app.BulkShopsInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	out, err := s.app.BulkConfirmShops(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	pr := printer(c)
	v := BulkView{Items: make([]ShopOutcomeView, len(out))}
	for i, o := range out {
		v.Items[i] = ShopOutcomeView{ShopID: o.ShopID, Status: o.Status}
		if o.Problem != nil {
			d := detail(*o.Problem, pr)
			v.Items[i].Error = &d
		} else {
			v.Decided++
		}
	}
	return c.JSON(http.StatusOK, v)
}

// RowErrorView is what is wrong with one row of an imported file.
type RowErrorView struct {
	Row     int         `json:"row"`
	Field   string      `json:"field"`
	Message string      `json:"message"`
	Reason  msg.Message `json:"reason"`
}

// ImportView answers an import: the rows read, the results recorded, and
// every bad row's error (then nothing was recorded).
type ImportView struct {
	Rows    int            `json:"rows"`
	Applied int            `json:"applied"`
	Errors  []RowErrorView `json:"errors"`
}

// importView renders an import's report in pr's language.
func importView(r app.ImportReport, pr i18n.Printer) ImportView {
	v := ImportView{Rows: r.Rows, Applied: r.Applied, Errors: make([]RowErrorView, len(r.Errors))}
	for i, e := range r.Errors {
		v.Errors[i] = RowErrorView{Row: e.Row, Field: e.Field, Message: pr.Render(e.Msg), Reason: e.Msg}
	}
	return v
}

// importResults records the course results of a text/csv body, all or
// nothing: 200 with the count, or 422 with every bad row.
func (s *server) importResults(c echo.Context) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != "text/csv" {
		return newError(http.StatusUnsupportedMediaType, msg.ErrorMediaType)
	}
	body, err := readBody(req)
	if err != nil {
		return err
	}
	r, err := s.app.ImportResults(req.Context(), actor(c), bytes.NewReader(body), nil)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(r.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return c.JSON(status, importView(r, printer(c)))
}
