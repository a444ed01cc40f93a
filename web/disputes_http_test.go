package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/stretchr/testify/require"
)

// TestAdminDecidesADisputeOnItsPage: the dispute page shows both claims
// side by side, in Chinese and English; the decision form refuses a
// missing reason beside its field, then upholds the claim.
func TestAdminDecidesADisputeOnItsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := s.schema.DB
	ctx := context.Background()
	_, otherProf := fixtures.VerifiedStudent(t, db, "王五")
	claimant := fixtures.Account(t, db, models.RoleApplicant)
	f := app.OnboardingInput{CollegeID: otherProf.CollegeID, StudentNumber: otherProf.StudentNumber, FullName: "王五",
		EnrollmentYear: otherProf.EnrollmentYear, Major: "电子商务", CollegeEmail: "real." + otherProf.CollegeEmail, Phone: "13900000002"}
	prof, _ := fixtures.SubmitOnboarding(t, db, claimant, f)
	testenv.WaitFor(t, 20*time.Second, "the claim to be rejected", func() bool {
		return count(t, s, "SELECT count(*) FROM student_profiles WHERE id = '"+prof.ID+"' AND status = 'rejected'") == 1
	})
	// The claimant files the dispute on the onboarding page.
	student := signIn(t, s, claimant)
	_, body := student.get("/onboarding?lang=zh")
	require.Contains(t, body, "这个学号是我的")
	status, body := student.post("/onboarding/dispute?lang=zh", url.Values{"statement": {"是我的"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.NotEmpty(t, fieldErr(body, "statement"))
	status, body = student.post("/onboarding/dispute?lang=zh", url.Values{"statement": {"这是我的学号，我有学生证和学校邮箱可以证明。"}})
	require.Equal(t, http.StatusCreated, status)
	require.Contains(t, body, "申诉已提交")
	l, err := s.app.Disputes(ctx, app.Actor{ID: models.NewID(), Role: models.RoleAdmin}, app.DisputeFilter{}, app.Page{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	d := l.Items[0]
	require.Equal(t, prof.ID, d.ClaimantProfileID)

	admin := signIn(t, s, fixtures.Account(t, db, models.RoleAdmin))
	status, body = admin.get("/admin/disputes?lang=zh")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "学号申诉")
	require.Contains(t, body, "这是我的学号")
	status, body = admin.get("/admin/disputes/" + d.ID + "?lang=zh")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"申诉人", "已认证的一方", f.CollegeEmail, otherProf.CollegeEmail, "支持申诉：撤销对方的认证", "审核中"} {
		require.Contains(t, body, want)
	}
	_, body = admin.get("/admin/disputes/" + d.ID + "?lang=en")
	require.Contains(t, body, "Uphold: revoke the other verification")

	status, body = admin.post("/admin/disputes/"+d.ID+"/decide?lang=en", url.Values{"outcome": {"revoke_other"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.NotEmpty(t, fieldErr(body, "reason"))
	status, _ = admin.post("/admin/disputes/"+d.ID+"/decide", url.Values{"outcome": {"revoke_other"}, "reason": {"学校核实"}})
	require.Equal(t, http.StatusSeeOther, status)
	_, body = admin.get("/admin/disputes/" + d.ID + "?lang=zh")
	require.Contains(t, body, "已支持")
	require.Equal(t, 1, count(t, s, "SELECT count(*) FROM student_profiles WHERE id = '"+otherProf.ID+"' AND status = '"+
		workflows.OnboardingRevoked+"'"))

	// Applicants do not see the admin's pages.
	status, _ = student.get("/admin/disputes/" + d.ID)
	require.Equal(t, http.StatusForbidden, status)
}
