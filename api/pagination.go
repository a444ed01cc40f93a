package api

import (
	"encoding/base64"
	"strconv"

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

// Page limits.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// page is a parsed ?limit=&cursor= pair. after is the id the page starts
// after ("" for the first page).
type page struct {
	limit int
	after string
}

func parsePage(c echo.Context) (page, error) {
	p := page{limit: defaultLimit}
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return p, queryError("limit", msg.FieldRange, msg.Int("min", 1), msg.Int("max", maxLimit))
		}
		p.limit = n
	}
	if raw := c.QueryParam("cursor"); raw != "" {
		b, err := base64.RawURLEncoding.DecodeString(raw)
		id, perr := uuid.Parse(string(b))
		if err != nil || perr != nil {
			return p, queryError("cursor", msg.FieldCursor)
		}
		p.after = id.String()
	}
	return p, nil
}

// finish trims the one-extra row fetched to detect a next page and builds
// the envelope; idOf returns an item's id.
func finish[T any](items []T, p page, idOf func(T) string) List[T] {
	out := List[T]{Items: items}
	if len(items) > p.limit {
		out.Items = items[:p.limit]
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(idOf(out.Items[p.limit-1])))
	}
	if out.Items == nil {
		out.Items = []T{}
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
