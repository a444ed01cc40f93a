package workflows

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/campusbiz/campusbiz/models"
)

// OnboardingCheck is what onboarding:verify knows about one submission.
type OnboardingCheck struct {
	// CollegeDomains are the official e-mail domains of the chosen college.
	CollegeDomains []string
	CollegeEmail   string
	StudentNumber  string
	EnrollmentYear int
	// CurrentYear is the year the check runs in (injected for tests).
	CurrentYear int
	// DuplicateVerified is true when another verified profile has the same
	// college and student number.
	DuplicateVerified bool
}

// Onboarding limits.
const (
	// MaxStudyYears is how long ago an enrollment may be and still be current
	// (doctoral students included).
	MaxStudyYears = 8
)

var studentNumberPattern = regexp.MustCompile(`^[0-9A-Za-z]{6,20}$`)

// DecideOnboarding applies the verification rules to one submission and
// returns the new state with the reasons behind it. A duplicate student is
// rejected; problems the applicant can fix lead to needs_info.
func DecideOnboarding(c OnboardingCheck) (state string, reasons []models.Reason) {
	if c.DuplicateVerified {
		return OnboardingRejected, []models.Reason{{
			Field: "student_number", Code: "already_verified",
			Message: "another verified student at this college already has this student number; contact your college's programme office if this is your number",
		}}
	}
	if !EmailInDomains(c.CollegeEmail, c.CollegeDomains) {
		reasons = append(reasons, models.Reason{
			Field: "college_email", Code: "domain_mismatch",
			Message: fmt.Sprintf("use your college e-mail address, ending in @%s", strings.Join(c.CollegeDomains, " or @")),
		})
	}
	if !studentNumberPattern.MatchString(c.StudentNumber) {
		reasons = append(reasons, models.Reason{
			Field: "student_number", Code: "bad_format",
			Message: "a student number is 6 to 20 letters or digits, as printed on your student card",
		})
	}
	switch {
	case c.EnrollmentYear > c.CurrentYear:
		reasons = append(reasons, models.Reason{
			Field: "enrollment_year", Code: "in_future",
			Message: fmt.Sprintf("the enrollment year cannot be after %d", c.CurrentYear),
		})
	case c.EnrollmentYear < c.CurrentYear-MaxStudyYears:
		reasons = append(reasons, models.Reason{
			Field: "enrollment_year", Code: "not_current",
			Message: fmt.Sprintf("students who enrolled in %d or later can join; graduates are not eligible", c.CurrentYear-MaxStudyYears),
		})
	}
	if len(reasons) > 0 {
		return OnboardingNeedsInfo, reasons
	}
	return OnboardingVerified, nil
}

// EmailInDomains reports whether email's domain is one of domains or a
// subdomain of one ("a@mails.tsinghua.edu.cn" is in "tsinghua.edu.cn").
func EmailInDomains(email string, domains []string) bool {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return false
	}
	host := strings.ToLower(email[at+1:])
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// ReasonsText joins reasons for an event or a notification.
func ReasonsText(reasons []models.Reason) string {
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = r.Message
	}
	return strings.Join(parts, "; ")
}
