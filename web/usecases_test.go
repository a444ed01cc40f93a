package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// useCases is the application on a schema of the test's own, called as
// the pages call it after DecodeForm: the use cases check their inputs
// (there is no other validation to call), so a form's rules are tested
// through them.
type useCases struct {
	app *app.App
	// applicant is a verified student; reviewer is assigned nothing.
	applicant, reviewer app.Actor
	db                  testenv.Schema
}

func newUseCases(t testing.TB) *useCases {
	t.Helper()
	schema := testenv.Postgres(t)
	student, _ := fixtures.VerifiedStudent(t, schema.DB, "李华")
	return &useCases{app: fixtures.App(schema.DB), db: schema, applicant: app.ActorOf(student),
		reviewer: app.ActorOf(fixtures.Reviewer(t, schema.DB, ""))}
}

// check runs the use case that takes in (a pointer to an input) and
// returns the messages it says about in's fields, the ones a page shows
// beside them: nil when it took them. Whatever the input, the use case
// answers a client error or succeeds, never a server error.
func (u *useCases) check(t testing.TB, in any) map[string]msg.Message {
	t.Helper()
	ctx := context.Background()
	var err error
	switch in := in.(type) {
	case *app.OnboardingInput:
		_, err = u.app.SubmitOnboarding(ctx, u.applicant, *in)
	case *app.ReviewInput:
		_, err = u.app.SubmitReview(ctx, u.reviewer, models.NewID(), *in)
	case *app.RegisterInput:
		_, err = u.app.Register(ctx, "192.0.2.1", *in)
	case *app.InternshipInput:
		_, err = u.app.SubmitInternship(ctx, u.applicant, *in)
	default:
		t.Fatalf("no use case here takes %T", in)
	}
	if err == nil {
		return nil
	}
	p := app.ProblemOf(err)
	require.Less(t, p.Status, http.StatusInternalServerError, "%T: %v", in, err)
	return p.Fields
}

// openPlaces opens n internship places for the ranking form to name.
func (u *useCases) openPlaces(t testing.TB, n int) []string {
	t.Helper()
	admin := app.ActorOf(fixtures.Account(t, u.db.DB, models.RoleAdmin))
	ids := make([]string, n)
	for i := range ids {
		capacity := 1
		p, err := u.app.CreatePlace(context.Background(), admin, app.PlaceInput{
			Company: "公司", Title: "岗位 " + string(rune('A'+i)), City: "杭州", Capacity: &capacity})
		require.NoError(t, err)
		ids[i] = p.ID
	}
	return ids
}
