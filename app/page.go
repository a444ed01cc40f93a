package app

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Page limits.
const (
	// DefaultLimit is a page's size when the caller names none.
	DefaultLimit = 50
	// MaxLimit is the largest page.
	MaxLimit = 200
)

// Page asks for one page of a list: at most Limit items (0: DefaultLimit)
// after the one Cursor names ("" for the first page). Cursors are opaque:
// only a List's NextCursor is one.
type Page struct {
	Limit  int
	Cursor string
}

// List is one page of a list and the cursor of the next ("" on the last).
type List[T any] struct {
	Items      []T
	NextCursor string
}

// page is a checked Page: its limit and the key it starts after.
type page struct {
	limit int
	after *key
}

// key is a row's place in a keyset order: its time (zero when the order
// has no time column) and its id.
type key struct {
	at time.Time
	id string
}

// cursor is the opaque cursor of the page after k.
func (k key) cursor() string {
	raw := k.id
	if !k.at.IsZero() {
		raw = k.at.UTC().Format(time.RFC3339Nano) + " " + k.id
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// check reads p for an order with a time column (timed) or without; a
// limit out of range or a cursor that is none is a validation error naming
// limit or cursor.
func (p Page) check(timed bool) (page, error) {
	limit, err := p.limit()
	if err != nil {
		return page{}, err
	}
	out := page{limit: limit}
	if p.Cursor == "" {
		return out, nil
	}
	bad := workflows.Invalid("cursor", msg.FieldCursor)
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return out, bad
	}
	var k key
	rawID := string(b)
	if timed {
		rawAt, rest, found := strings.Cut(rawID, " ")
		if k.at, err = time.Parse(time.RFC3339Nano, rawAt); !found || err != nil {
			return out, bad
		}
		rawID = rest
	}
	id, err := uuid.Parse(rawID)
	if err != nil {
		return out, bad
	}
	k.id = id.String()
	out.after = &k
	return out, nil
}

// limit is the page's size: DefaultLimit when none is named; out of range
// is a validation error naming limit.
func (p Page) limit() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultLimit, nil
	case p.Limit < 1 || p.Limit > MaxLimit:
		return 0, workflows.Invalid("limit", msg.FieldRange, msg.Int("min", 1), msg.Int("max", MaxLimit))
	}
	return p.Limit, nil
}

// listRows reads one page of the rows of M that q (already filtered)
// selects, keyed and ordered by the uuid column idCol (newest first when
// newestFirst); idOf returns a row's id.
func listRows[M any](q *gorm.DB, p Page, idCol string, newestFirst bool, idOf func(M) string) (List[M], error) {
	return listKeyed(q, p, keyset{id: idCol, desc: newestFirst}, func(m M) key { return key{id: idOf(m)} })
}

// keyset is a list's order: by the time column at, when set, then by the
// uuid column id; descending when desc.
type keyset struct {
	at, id string
	desc   bool
}

// listKeyed reads one page of the rows of M that q (already filtered)
// selects in the order o; keyOf returns a row's key in that order.
func listKeyed[M any](q *gorm.DB, p Page, o keyset, keyOf func(M) key) (List[M], error) {
	pg, err := p.check(o.at != "")
	if err != nil {
		return List[M]{}, err
	}
	dir, cmp := "", ">"
	if o.desc {
		dir, cmp = " DESC", "<"
	}
	if o.at != "" {
		q = q.Order(o.at + dir)
	}
	q = q.Order(o.id + dir).Limit(pg.limit + 1)
	switch {
	case pg.after == nil:
	case o.at != "":
		q = q.Where("("+o.at+", "+o.id+") "+cmp+" (?, ?)", pg.after.at, pg.after.id)
	default:
		q = q.Where(o.id+" "+cmp+" ?", pg.after.id)
	}
	var rows []M
	if err := q.Find(&rows).Error; err != nil {
		return List[M]{}, fmt.Errorf("list: %w", err)
	}
	out := List[M]{Items: rows}
	if len(rows) > pg.limit {
		out.Items = rows[:pg.limit]
		out.NextCursor = keyOf(out.Items[pg.limit-1]).cursor()
	}
	if out.Items == nil {
		out.Items = []M{}
	}
	return out, nil
}

// CountCap is the most rows a list's total counts: beyond it the total is
// CountCap and TotalCapped is set, so that a filter selecting millions of
// rows answers as fast as one selecting a few (docs/BENCHMARKS.md).
const CountCap = 10_000

// Counted is one page of a list and how many rows the whole list holds:
// the admin lists count up to CountCap (countedRows), a reviewer's queue
// exactly.
type Counted[T any] struct {
	List[T]
	// Total is the number of rows the filter selects, at most CountCap.
	Total int64
	// TotalCapped: more than CountCap rows match.
	TotalCapped bool
}

// countedRows is listRows (newest first) of rows with the number of rows
// that count selects, up to CountCap. count is rows' filter without the
// joins that only add columns, so that it can be answered from an index;
// it must be a fresh session (Session).
func countedRows[M any](rows, count *gorm.DB, p Page, idCol string, idOf func(M) string) (Counted[M], error) {
	l, err := listRows(rows, p, idCol, true, idOf)
	if err != nil {
		return Counted[M]{}, err
	}
	var n int64
	sub := count.Select("1").Limit(CountCap + 1)
	if err := count.Session(&gorm.Session{NewDB: true}).Raw("SELECT count(*) FROM (?) AS c", sub).Scan(&n).Error; err != nil {
		return Counted[M]{}, fmt.Errorf("count: %w", err)
	}
	return Counted[M]{List: l, Total: min(n, CountCap), TotalCapped: n > CountCap}, nil
}
