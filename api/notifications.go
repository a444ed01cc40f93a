package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// UnreadView counts unread notifications.
type UnreadView struct {
	Unread int64 `json:"unread"`
}

// MarkedView says how many notifications a request marked read.
type MarkedView struct {
	Marked int64 `json:"marked"`
}

func (s *server) unreadNotifications(c echo.Context) error {
	n, err := s.app.UnreadNotifications(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, UnreadView{Unread: n})
}

func (s *server) readNotification(c echo.Context) error {
	if err := s.app.ReadNotification(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) readAllNotifications(c echo.Context) error {
	n, err := s.app.ReadAllNotifications(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, MarkedView{Marked: n})
}
