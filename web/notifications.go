package web

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/labstack/echo/v4"
)

// notice is one notification as the page shows it.
type notice struct {
	ID, Title, Body string
	At              time.Time
	Unread          bool
}

// noticesPage is one page of the notifications list.
type noticesPage struct {
	Items []notice
	// Next is the cursor of the next page ("" on the last).
	Next string
}

// notifications lists the signed-in person's notifications, newest first,
// in the page's language, with the unread ones marked.
func (s *site) notifications(c echo.Context) error {
	l, err := s.app.Notifications(c.Request().Context(), actor(c), app.Page{Cursor: c.QueryParam("cursor")})
	if err != nil {
		return s.failWith(c, err)
	}
	v := s.newView(c, "notifications.title")
	p := v.printer()
	page := noticesPage{Items: make([]notice, len(l.Items)), Next: l.NextCursor}
	for i, n := range l.Items {
		title, body := p.Notification(n.Notification, n.Reasons)
		page.Items[i] = notice{ID: n.ID, Title: title, Body: body, At: n.CreatedAt, Unread: n.ReadAt == nil}
	}
	v.Data = page
	return s.render(c, http.StatusOK, "notifications", v)
}

// readNotification marks one notification read and shows the list again.
func (s *site) readNotification(c echo.Context) error {
	if err := s.app.ReadNotification(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/notifications")
}

// readAllNotifications marks every notification read and shows the list
// again.
func (s *site) readAllNotifications(c echo.Context) error {
	if _, err := s.app.ReadAllNotifications(c.Request().Context(), actor(c)); err != nil {
		return s.failWith(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/notifications")
}

// unread counts the signed-in person's unread notifications for the
// header; a failure only hides the count (and is logged).
func (s *site) unread(c echo.Context) int64 {
	if _, ok := account(c); !ok {
		return 0
	}
	n, err := s.app.UnreadNotifications(c.Request().Context(), actor(c))
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "count unread notifications", "err", err)
	}
	return n
}

// rememberLanguage stores the language a signed-in person switches to
// (?lang=) on their account, so that their e-mails speak it too.
func (s *site) rememberLanguage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := c.Get(ctxLang).(string)
		if acct, ok := account(c); ok && acct.Lang != lang && c.QueryParam("lang") == lang {
			if err := s.app.SetLanguage(c.Request().Context(), actor(c), app.LanguageInput{Lang: lang}); err != nil {
				s.log.WarnContext(c.Request().Context(), "remember language", "err", err)
			}
		}
		return next(c)
	}
}
