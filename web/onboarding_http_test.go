package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// TestNeedsInfoReasonSitsBesideItsField: when verification asks for more
// information about a field, the onboarding form shows why beside that
// field (linked by aria-describedby), not above the form.
func TestNeedsInfoReasonSitsBesideItsField(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	college, domain := fixtures.College(t, db)
	acct := fixtures.Account(t, db, models.RoleApplicant)
	form := fixtures.OnboardingForm(college, domain)
	form.CollegeEmail = "me@gmail.com" // not the college's domain: needs_info on college_email
	prof, err := s.app.SubmitOnboarding(context.Background(), app.ActorOf(acct), form)
	require.NoError(t, err)
	testenv.WaitFor(t, 20*time.Second, "needs_info", func() bool {
		return count(t, s, "SELECT count(*) FROM student_profiles WHERE id = '"+prof.ID+"' AND status = '"+workflows.OnboardingNeedsInfo+"'") == 1
	})

	_, body := signIn(t, s, acct).get("/onboarding?lang=zh")
	require.Equal(t, "请使用学校邮箱，邮箱域名须为以下之一："+domain+"。", fieldErr(body, "college_email"))
	require.Contains(t, body, `aria-describedby="college_email-err"`)
	require.NotContains(t, body, `<ul class="reasons">`, "nothing left above the form")
	require.Equal(t, 1, strings.Count(body, "请使用学校邮箱"))
}
