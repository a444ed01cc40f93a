package api

import (
	"net/http"

	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// listPage answers a list endpoint: one page of the rows of M that q
// (already filtered) selects, keyed and ordered by the id column idCol
// (newest first when newestFirst), rendered with view.
func listPage[M, V any](c echo.Context, q *gorm.DB, idCol string, newestFirst bool, view func(M) V, idOf func(V) string) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	order, after := idCol, idCol+" > ?"
	if newestFirst {
		order, after = idCol+" DESC", idCol+" < ?"
	}
	q = q.Order(order).Limit(p.limit + 1)
	if p.after != "" {
		q = q.Where(after, p.after)
	}
	var rows []M
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	views := make([]V, len(rows))
	for i, r := range rows {
		views[i] = view(r)
	}
	return c.JSON(http.StatusOK, finish(views, p, idOf))
}

// getByID answers GET .../{id} for a public resource.
func getByID[M, V any](s *server, c echo.Context, view func(M) V) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var row M
	if err := s.db.WithContext(c.Request().Context()).Take(&row, "id = ?", id).Error; err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view(row))
}

// assignedFunc reports whether the reviewer accountID is assigned to row.
type assignedFunc[M any] func(db *gorm.DB, row M, accountID string) (bool, error)

// readable loads the :id row of M if the caller may read it (canRead: its
// owner, an admin, or, when assigned is given, a reviewer it says is
// assigned). Anyone else gets 404, so other people's ids cannot be probed.
func readable[M any](s *server, c echo.Context, owner func(M) string, assigned assignedFunc[M]) (M, error) {
	var row M
	id, err := pathID(c, "id")
	if err != nil {
		return row, err
	}
	db := s.db.WithContext(c.Request().Context())
	if err := db.Take(&row, "id = ?", id).Error; err != nil {
		return row, err
	}
	acct := current(c)
	isAssigned := false
	if assigned != nil && acct.Role == models.RoleReviewer {
		if isAssigned, err = assigned(db, row, acct.ID); err != nil {
			return row, err
		}
	}
	if !canRead(acct, owner(row), isAssigned) {
		var zero M
		return zero, errNotFound
	}
	return row, nil
}
