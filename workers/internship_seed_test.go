package workers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// skillTags is the vocabulary of synthetic places and applicants.
var skillTags = []string{
	"go", "python", "sql", "excel", "marketing", "sales", "design", "figma", "copywriting", "accounting",
	"seo", "social media", "photography", "video", "logistics", "customer service", "data analysis", "operations",
}

// roundSize describes a synthetic round.
type roundSize struct {
	applicants, places, capacity, listLen int
}

// seedRound writes a synthetic round with set-based inserts (one statement
// per table): places with random skills, and for each applicant an account
// and a pending application ranking listLen distinct places drawn with
// skewed popularity (place ⌊u²·places⌋), so that popular places are
// contested and scores tie often. It returns the place ids in id order.
func seedRound(tb testing.TB, db *gorm.DB, size roundSize, seed uint64) []string {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x1a7e))
	pick := func(n int) string {
		tags := make([]string, n)
		for i := range tags {
			tags[i] = `"` + skillTags[rng.IntN(len(skillTags))] + `"`
		}
		return "{" + strings.Join(tags, ",") + "}"
	}
	places := make([]string, size.places)
	placeSkills := make([]string, size.places)
	for i := range places {
		places[i] = models.NewID()
		placeSkills[i] = pick(2 + rng.IntN(3))
	}
	execSQL(tb, db, `INSERT INTO internship_places (id, company, title, city, skills, capacity, status)
		SELECT u.id, 'Company ' || u.ord, 'Intern ' || u.ord, 'Hangzhou', u.skills::text[], $2, 'open'
		FROM unnest($1::uuid[], $3::text[]) WITH ORDINALITY AS u(id, skills, ord)`, places, size.capacity, placeSkills)

	accounts, apps := make([]string, size.applicants), make([]string, size.applicants)
	prefs, skills := make([]string, size.applicants), make([]string, size.applicants)
	listLen := min(size.listLen, size.places)
	mark := make([]int, size.places)
	for a := range apps {
		accounts[a], apps[a] = models.NewID(), models.NewID()
		chosen := make([]string, 0, listLen)
		for len(chosen) < listLen {
			u := rng.Float64()
			p := int(u * u * float64(size.places))
			if mark[p] == a+1 {
				continue
			}
			mark[p] = a + 1
			chosen = append(chosen, places[p])
		}
		prefs[a] = "{" + strings.Join(chosen, ",") + "}"
		skills[a] = pick(1 + rng.IntN(5))
	}
	execSQL(tb, db, `INSERT INTO accounts (id, email, password_hash, name, role)
		SELECT u.id, 'seed-' || u.id || '@example.com', 'x', 'Applicant ' || u.ord, 'applicant'
		FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, ord)`, accounts)
	execSQL(tb, db, `INSERT INTO internship_applications (id, account_id, preferences, skills, status)
		SELECT u.id, u.account_id, u.prefs::uuid[], u.skills::text[], 'pending'
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS u(id, account_id, prefs, skills)`,
		apps, accounts, prefs, skills)
	execSQL(tb, db, `ANALYZE`)
	return placesInOrder(tb, db)
}

func placesInOrder(tb testing.TB, db *gorm.DB) []string {
	tb.Helper()
	var ids []string
	require.NoError(tb, db.Model(&models.InternshipPlace{}).Order("id").Pluck("id", &ids).Error)
	return ids
}

// execSQL runs a statement with array arguments on the pool directly (GORM
// would expand slices into lists).
func execSQL(tb testing.TB, db *gorm.DB, query string, args ...any) {
	tb.Helper()
	sqlDB, err := db.DB()
	require.NoError(tb, err)
	_, err = sqlDB.ExecContext(context.Background(), query, args...)
	require.NoError(tb, err, "seed: %s", query)
}

// startRound queues a round as an admin would, through the application,
// and returns it with its internship:match outbox id.
func startRound(tb testing.TB, db *gorm.DB) (models.MatchRound, string) {
	tb.Helper()
	admin := fixtures.Account(tb, db, models.RoleAdmin)
	round, err := fixtures.App(db).StartMatchRound(context.Background(), app.ActorOf(admin))
	require.NoError(tb, err)
	return round, fixtures.TaskID(tb, db, workflows.TypeInternshipMatch, round.ID)
}

// roundOffers maps application id to offered place id for a round.
func roundOffers(tb testing.TB, db *gorm.DB, roundID string) map[string]string {
	tb.Helper()
	var rows []struct{ ID, OfferPlaceID string }
	require.NoError(tb, db.Raw(`SELECT id, offer_place_id FROM internship_applications
		WHERE round_id = ? AND offer_place_id IS NOT NULL`, roundID).Scan(&rows).Error)
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.OfferPlaceID
	}
	return out
}

// String renders a round size for benchmark names.
func (s roundSize) String() string {
	return fmt.Sprintf("applicants=%d/places=%d/capacity=%d/list=%d", s.applicants, s.places, s.capacity, s.listLen)
}
