package api

import (
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// List is the envelope of every list endpoint.
type List[T any] struct {
	Items []T `json:"items"`
	// NextCursor fetches the next page; empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// pageOf reads ?limit= and ?cursor=; a limit that is no number is a 422 on
// limit (the use case checks its range and the cursor).
func pageOf(c echo.Context) (app.Page, error) {
	p := app.Page{Cursor: c.QueryParam("cursor")}
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return p, queryError("limit", msg.FieldRange, msg.Int("min", 1), msg.Int("max", app.MaxLimit))
		}
		p.Limit = n
	}
	return p, nil
}

// listOf renders one page of a use case's list with view.
func listOf[M, V any](l app.List[M], view func(M) V) List[V] {
	out := List[V]{Items: make([]V, len(l.Items)), NextCursor: l.NextCursor}
	for i, m := range l.Items {
		out.Items[i] = view(m)
	}
	return out
}

// pathID reads an id path parameter; anything that is not a UUID cannot
// name a resource, so it is a 404 without touching the database.
func pathID(c echo.Context, name string) (string, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return "", errNotFound
	}
	return id.String(), nil
}

// nonNil makes a nil slice an empty one, so that JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// utc is t in UTC; nil stays nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
