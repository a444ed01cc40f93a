package api

import (
	"net/http"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// refuseUnstorableText answers a request whose path or query holds text
// Postgres cannot store (NUL, invalid UTF-8) before any route sees it: a
// 404 for the path (no resource has such a name), a 422 naming the query
// parameter. The pages share it, since they are mounted on the same Echo.
// Bodies are checked where they are decoded: every use case input is
// validated field by field (app.Storable).
func refuseUnstorableText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		if !app.Storable(u.Path) {
			return errNotFound
		}
		if u.RawQuery == "" {
			return next(c)
		}
		for name, values := range c.QueryParams() {
			if !app.Storable(name) {
				return newError(http.StatusBadRequest, msg.ErrorBadQuery)
			}
			for _, v := range values {
				if !app.Storable(v) {
					return queryError(name, msg.FieldControlChars)
				}
			}
		}
		return next(c)
	}
}
