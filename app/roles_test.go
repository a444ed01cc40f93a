package app_test

import (
	"context"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

// The adapters check every route's role, and every use case checks again:
// an adapter that forgot a rule still could not let the wrong role act.
// Each use case here is called by every role it does not allow, with an
// input that would otherwise pass, and must refuse with ErrForbidden and
// write nothing.
func TestUseCasesRefuseOtherRolesAndWriteNothing(t *testing.T) {
	t.Parallel()
	db := testenv.Postgres(t).DB
	a := fixtures.App(db)
	ctx := context.Background()
	college, domain := fixtures.College(t, db)
	student, _ := fixtures.VerifiedStudent(t, db, "李华")
	shop := fixtures.VerifiedShops(t, db, []models.Account{student})[0]
	program := fixtures.FundProgram(t, db, nil, nil)
	course := fixtures.Course(t, db, 60)
	yes, score, capacity := true, 80, 3
	onboarding := fixtures.OnboardingForm(college, domain)

	cases := map[string]struct {
		allowed []string
		call    func(app.Actor) error
	}{
		"submit onboarding": {[]string{models.RoleApplicant}, func(x app.Actor) error {
			_, err := a.SubmitOnboarding(ctx, x, onboarding)
			return err
		}},
		"link a shop": {[]string{models.RoleApplicant}, func(x app.Actor) error {
			_, err := a.SubmitShop(ctx, x, app.ShopInput{PlatformShopID: "t-1", ShopURL: "https://shop.example.com/1",
				ShopName: "小店", Category: "food"})
			return err
		}},
		"confirm a shop": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.ConfirmShop(ctx, x, shop.ID, app.ConfirmShopInput{Verified: &yes})
			return err
		}},
		"apply to the fund": {[]string{models.RoleApplicant}, func(x app.Actor) error {
			_, err := a.SubmitFund(ctx, x, app.FundInput{ProgramID: program.ID, ShopID: shop.ID, AmountFen: 100, BusinessPlan: "plan"})
			return err
		}},
		"review": {[]string{models.RoleReviewer}, func(x app.Actor) error {
			_, err := a.SubmitReview(ctx, x, models.NewID(), app.ReviewInput{Decision: "approve", Score: 8, Comment: "good"})
			return err
		}},
		"create a programme": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.CreateFundProgram(ctx, x, app.FundProgramInput{Name: "P", BudgetFen: 100, MaxGrantFen: 10,
				ReviewersPerApplication: 1, ApprovalsRequired: 1, MinMeanScore: 5,
				OpensAt: "2026-01-01T00:00:00Z", ClosesAt: "2027-01-01T00:00:00Z"})
			return err
		}},
		"create a course": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.CreateCourse(ctx, x, app.CourseInput{Title: "Course X", PassScore: &score})
			return err
		}},
		"enrol": {[]string{models.RoleApplicant}, func(x app.Actor) error {
			_, err := a.Enroll(ctx, x, course.ID)
			return err
		}},
		"post a result": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.RecordResult(ctx, x, models.NewID(), app.ResultInput{Score: &score})
			return err
		}},
		"create a place": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.CreatePlace(ctx, x, app.PlaceInput{Company: "C", Title: "T", City: "杭州", Capacity: &capacity})
			return err
		}},
		"rank places": {[]string{models.RoleApplicant}, func(x app.Actor) error {
			_, err := a.SubmitInternship(ctx, x, app.InternshipInput{Preferences: []string{models.NewID()}, Skills: []string{}})
			return err
		}},
		"run a round": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.StartMatchRound(ctx, x)
			return err
		}},
		"create staff": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.CreateStaff(ctx, x, app.StaffInput{Email: "staff@example.com", Password: "a-long-password",
				Name: "S", Role: models.RoleReviewer})
			return err
		}},
		"create a college": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.CreateCollege(ctx, x, app.CollegeInput{Name: "新大学", Province: "浙江", EmailDomains: []string{"new.edu.cn"}})
			return err
		}},
		"read the stats": {[]string{models.RoleAdmin}, func(x app.Actor) error {
			_, err := a.Stats(ctx, x)
			return err
		}},
	}
	actors := map[string]app.Actor{
		models.RoleApplicant: app.ActorOf(student),
		models.RoleReviewer:  app.ActorOf(fixtures.Account(t, db, models.RoleReviewer)),
		models.RoleAdmin:     app.ActorOf(fixtures.Account(t, db, models.RoleAdmin)),
	}
	before := rowCounts(t, db)
	for name, tc := range cases {
		for role, actor := range actors {
			if contains(tc.allowed, role) {
				continue
			}
			require.ErrorIs(t, tc.call(actor), workflows.ErrForbidden, "%s as %s", name, role)
		}
	}
	require.Equal(t, before, rowCounts(t, db), "refused use cases wrote nothing")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rowCounts counts the rows of every table a use case writes.
func rowCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"student_profiles", "shops", "fund_programs", "fund_applications", "fund_reviews",
		"courses", "enrollments", "internship_places", "internship_applications", "match_rounds", "accounts",
		"colleges", "workflow_events", "notifications", "outbox"} {
		var n int64
		require.NoError(t, db.Table(table).Count(&n).Error, table)
		out[table] = n
	}
	return out
}
