package workflows

import (
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestDecideOnboarding(t *testing.T) {
	t.Parallel()
	valid := OnboardingCheck{
		CollegeDomains: []string{"zju.edu.cn"}, CollegeEmail: "li@zju.edu.cn", StudentNumber: "3210101234",
		EnrollmentYear: 2024, CurrentYear: 2026,
	}
	cases := []struct {
		name   string
		change func(*OnboardingCheck)
		state  string
		fields []string
	}{
		{"valid", func(*OnboardingCheck) {}, OnboardingAwaitingEmail, nil},
		{"subdomain e-mail", func(c *OnboardingCheck) { c.CollegeEmail = "li@mail.zju.edu.cn" }, OnboardingAwaitingEmail, nil},
		{"upper-case e-mail", func(c *OnboardingCheck) { c.CollegeEmail = "LI@ZJU.EDU.CN" }, OnboardingAwaitingEmail, nil},
		{"look-alike domain", func(c *OnboardingCheck) { c.CollegeEmail = "li@evilzju.edu.cn" }, OnboardingNeedsInfo, []string{"college_email"}},
		{"other domain", func(c *OnboardingCheck) { c.CollegeEmail = "li@qq.com" }, OnboardingNeedsInfo, []string{"college_email"}},
		{"short number", func(c *OnboardingCheck) { c.StudentNumber = "123" }, OnboardingNeedsInfo, []string{"student_number"}},
		{"number with spaces", func(c *OnboardingCheck) { c.StudentNumber = "321 0101" }, OnboardingNeedsInfo, []string{"student_number"}},
		{"future year", func(c *OnboardingCheck) { c.EnrollmentYear = 2027 }, OnboardingNeedsInfo, []string{"enrollment_year"}},
		{"graduated long ago", func(c *OnboardingCheck) { c.EnrollmentYear = 2017 }, OnboardingNeedsInfo, []string{"enrollment_year"}},
		{"oldest allowed year", func(c *OnboardingCheck) { c.EnrollmentYear = 2018 }, OnboardingAwaitingEmail, nil},
		{"several problems", func(c *OnboardingCheck) { c.CollegeEmail = "x@qq.com"; c.EnrollmentYear = 2030 }, OnboardingNeedsInfo, []string{"college_email", "enrollment_year"}},
		{"duplicate student", func(c *OnboardingCheck) { c.DuplicateVerified = true; c.CollegeEmail = "x@qq.com" }, OnboardingRejected, []string{"student_number"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := valid
			tc.change(&c)
			state, reasons := DecideOnboarding(c)
			require.Equal(t, tc.state, state)
			var fields []string
			for _, r := range reasons {
				require.Regexp(t, `^onboarding\.`, r.Code)
				fields = append(fields, r.Field)
			}
			require.Equal(t, tc.fields, fields)
		})
	}
}

// TestDecideOnboardingSaysWhatToFix: each reason carries what the student
// needs to fix it: the college's domains, the allowed years.
func TestDecideOnboardingSaysWhatToFix(t *testing.T) {
	t.Parallel()
	check := OnboardingCheck{CollegeDomains: []string{"pku.edu.cn", "stu.pku.edu.cn"}, CollegeEmail: "a@qq.com",
		StudentNumber: "12", EnrollmentYear: 2030, CurrentYear: 2026}
	state, reasons := DecideOnboarding(check)
	require.Equal(t, OnboardingNeedsInfo, state)
	require.Equal(t, []models.Reason{
		{Field: "college_email", Code: msg.OnboardingEmailDomain, Params: map[string]any{"domains": []string{"pku.edu.cn", "stu.pku.edu.cn"}}},
		{Field: "student_number", Code: msg.OnboardingStudentNumber},
		{Field: "enrollment_year", Code: msg.OnboardingYearInFuture, Params: map[string]any{"year": int64(2026)}},
	}, reasons)

	check = OnboardingCheck{CollegeDomains: []string{"pku.edu.cn"}, CollegeEmail: "a@pku.edu.cn",
		StudentNumber: "1234567", EnrollmentYear: 2010, CurrentYear: 2026}
	_, reasons = DecideOnboarding(check)
	require.Equal(t, []models.Reason{{Field: "enrollment_year", Code: msg.OnboardingYearTooOld,
		Params: map[string]any{"year": int64(2026 - MaxStudyYears)}}}, reasons)

	check.DuplicateVerified = true
	state, reasons = DecideOnboarding(check)
	require.Equal(t, OnboardingRejected, state)
	require.Equal(t, []models.Reason{{Field: "student_number", Code: msg.OnboardingAlreadyVerified}}, reasons)
}

func TestEmailInDomains(t *testing.T) {
	t.Parallel()
	d := []string{"pku.edu.cn", "stu.pku.edu.cn"}
	require.True(t, EmailInDomains("a@pku.edu.cn", d))
	require.True(t, EmailInDomains("a@stu.pku.edu.cn", d))
	require.False(t, EmailInDomains("a@pku.edu.cn.evil.com", d))
	require.False(t, EmailInDomains("pku.edu.cn", d))
	require.False(t, EmailInDomains("a@", d))
	require.False(t, EmailInDomains("@pku.edu.cn", d))
	require.False(t, EmailInDomains("a@pku.edu.cn", nil))
}

func TestOnboardingMachine(t *testing.T) {
	t.Parallel()
	m := OnboardingMachine
	require.True(t, m.Allows("", OnboardingPending))
	require.False(t, m.Allows("", OnboardingVerified))
	require.False(t, m.Allows(OnboardingPending, OnboardingVerified), "the checks alone never verify")
	require.True(t, m.Allows(OnboardingPending, OnboardingAwaitingEmail))
	require.True(t, m.Allows(OnboardingAwaitingEmail, OnboardingVerified), "a confirmed code verifies")
	require.True(t, m.Allows(OnboardingAwaitingEmail, OnboardingRejected), "a duplicate found at confirmation")
	require.True(t, m.Allows(OnboardingAwaitingEmail, OnboardingPending), "a mistyped address is resubmitted")
	require.False(t, m.Allows(OnboardingNeedsInfo, OnboardingVerified))
	require.False(t, m.Allows(OnboardingRejected, OnboardingVerified))
	require.True(t, m.Allows(OnboardingNeedsInfo, OnboardingPending))
	require.False(t, m.Allows(OnboardingVerified, OnboardingPending), "a verified profile is final")
	require.ErrorIs(t, m.Check(OnboardingVerified, OnboardingRejected), ErrConflict)
	require.True(t, m.IsFinal(OnboardingVerified))
	require.False(t, m.IsFinal(OnboardingPending))
	require.False(t, m.IsFinal(OnboardingAwaitingEmail), "it waits for the applicant's code")
}
