package models

import (
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TextArray is a Postgres text[] or uuid[] column.
type TextArray []string

// typeMaps lends pgx type maps (not safe for concurrent use) to TextArray.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Scan reads a Postgres array in text form.
func (a *TextArray) Scan(src any) error {
	out, err := scanArray[string](src, pgtype.TextArrayOID)
	*a = out
	return err
}

// Value writes the array in Postgres text form (never NULL).
func (a TextArray) Value() (driver.Value, error) {
	return valueArray(pgtype.TextArrayOID, []string(a))
}

// InternshipPlace is an internship place that applicants rank.
type InternshipPlace struct {
	ID       string `gorm:"type:uuid;primaryKey"`
	Company  string
	Title    string
	City     string
	Skills   TextArray `gorm:"type:text[]"`
	Capacity int
	// Status is "open" (rounds may offer it) or "closed".
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InternshipApplication is an applicant's ranked list of places and where
// matching has taken it.
type InternshipApplication struct {
	ID        string `gorm:"type:uuid;primaryKey"`
	AccountID string `gorm:"type:uuid"`
	// Preferences are place ids, best first.
	Preferences TextArray `gorm:"type:uuid[]"`
	Skills      TextArray `gorm:"type:text[]"`
	Status      string
	// RoundID is the last round that decided the application.
	RoundID        *string `gorm:"type:uuid"`
	OfferPlaceID   *string `gorm:"type:uuid"`
	OfferExpiresAt *time.Time
	AnsweredAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MatchRound is one run of the matching over all pending applications and
// open places, with its counts and timings.
type MatchRound struct {
	ID     string `gorm:"type:uuid;primaryKey"`
	Status string
	// Seed drives the tie-break lottery (matching.Draw).
	Seed int64
	// Trigger is "admin" or "schedule".
	Trigger        string
	RequestedBy    *string `gorm:"type:uuid"`
	ScheduledFor   *time.Time
	Applicants     int
	Places         int
	Seats          int
	Matched        int
	Unmatched      int
	Proposals      int64
	ExpiredOffers  int
	LoadMS         int `gorm:"column:load_ms"`
	MatchMS        int `gorm:"column:match_ms"`
	SaveMS         int `gorm:"column:save_ms"`
	DurationMS     int `gorm:"column:duration_ms"`
	OffersExpireAt *time.Time
	Error          string
	CreatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
}

// MatchRoundPlace is one place's outcome in a round.
type MatchRoundPlace struct {
	RoundID  string `gorm:"type:uuid;primaryKey"`
	PlaceID  string `gorm:"type:uuid;primaryKey"`
	Seats    int
	Admitted int
	// CutoffScore and CutoffApplicant name the lowest-ranked applicant the
	// place admitted when it filled up; nil when it kept a free seat.
	CutoffScore     *int
	CutoffApplicant *int
}

// MatchRoundEntry is one application's inputs and outcome in a round.
type MatchRoundEntry struct {
	RoundID       string `gorm:"type:uuid;primaryKey"`
	ApplicationID string `gorm:"type:uuid;primaryKey"`
	// Applicant is the application's index in the round (its lottery draw).
	Applicant int
	// Scores parallels the application's preferences; -1 where the place
	// was not open in the round.
	Scores  IntArray `gorm:"type:integer[]"`
	PlaceID *string  `gorm:"type:uuid"`
	// Choice is the 0-based position of PlaceID in the preferences.
	Choice *int
}

// IntArray is a Postgres integer[] column.
type IntArray []int32

// Scan reads a Postgres integer array in text form.
func (a *IntArray) Scan(src any) error {
	out, err := scanArray[int32](src, pgtype.Int4ArrayOID)
	*a = out
	return err
}

// Value writes the array in Postgres text form (never NULL).
func (a IntArray) Value() (driver.Value, error) {
	return valueArray(pgtype.Int4ArrayOID, []int32(a))
}

// valueArray encodes elems as a Postgres array of type oid in text form.
func valueArray[T any](oid uint32, elems []T) (driver.Value, error) {
	if elems == nil {
		elems = []T{}
	}
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	buf, err := m.Encode(oid, pgtype.TextFormatCode, elems, nil)
	if err != nil {
		return nil, fmt.Errorf("encode array: %w", err)
	}
	return string(buf), nil
}

// scanArray decodes a database/sql array value (text form) of type oid.
func scanArray[T any](src any, oid uint32) ([]T, error) {
	var raw []byte
	switch v := src.(type) {
	case nil:
		return nil, nil
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return nil, fmt.Errorf("scan array: unsupported source %T", src)
	}
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	var out pgtype.FlatArray[T]
	if err := m.PlanScan(oid, pgtype.TextFormatCode, &out).Scan(raw, &out); err != nil {
		return nil, fmt.Errorf("scan array: %w", err)
	}
	return out, nil
}
