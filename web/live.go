package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// The applicant's pages update themselves when a workflow moves: they
// carry the version of the applicant's workflow states they were rendered
// at (data-live on <main>), and /static/live.js polls /status with that
// version as an ETag. A 304 means nothing moved; a 200 means something did,
// and the script fetches the page again and swaps in its live regions
// (elements with data-live-region) and the header, without a reload and
// without touching forms being filled in. Without JavaScript the pages
// work as before.

// ctxLive holds the live version once a request has read it.
const ctxLive = "web.live"

// liveVersion is the version of the signed-in applicant's workflows for
// the page's data-live attribute; "" (no live status) for anyone else or
// when it cannot be read (logged). It is read once per request: a page
// handler reads it before the workflows it shows, so that a workflow
// moving in between leaves the page an older version than its content
// (the next poll refreshes it) and never a page of old content pinned to
// the new version.
func (s *site) liveVersion(c echo.Context) string {
	if v, ok := c.Get(ctxLive).(string); ok {
		return v
	}
	acct, ok := account(c)
	if !ok || acct.Role != "applicant" || c.Request().Method != http.MethodGet {
		return ""
	}
	v, err := s.app.StatusVersion(c.Request().Context(), actor(c))
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "live status version", "err", err)
		return ""
	}
	c.Set(ctxLive, v)
	return v
}

// status answers the live pages' poll: 304 while the ETag the page holds
// is current, else 200 with the new version (and its ETag).
func (s *site) status(c echo.Context) error {
	v, err := s.app.StatusVersion(c.Request().Context(), actor(c))
	if err != nil {
		return s.failWith(c, err)
	}
	etag := `"` + v + `"`
	c.Response().Header().Set("ETag", etag)
	c.Response().Header().Set("Cache-Control", "no-cache")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(http.StatusOK, map[string]string{"version": v})
}
