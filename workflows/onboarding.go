package workflows

import (
	"regexp"
	"strings"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
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
// rejected; problems the applicant can fix lead to needs_info; a submission
// that passes waits for the code mailed to its college address
// (awaiting_email): the checks alone never verify.
func DecideOnboarding(c OnboardingCheck) (state string, reasons []models.Reason) {
	if c.DuplicateVerified {
		return OnboardingRejected, []models.Reason{NewReason("student_number", msg.OnboardingAlreadyVerified)}
	}
	if !EmailInDomains(c.CollegeEmail, c.CollegeDomains) {
		reasons = append(reasons, NewReason("college_email", msg.OnboardingEmailDomain, msg.Texts("domains", c.CollegeDomains)))
	}
	if !studentNumberPattern.MatchString(c.StudentNumber) {
		reasons = append(reasons, NewReason("student_number", msg.OnboardingStudentNumber))
	}
	switch {
	case c.EnrollmentYear > c.CurrentYear:
		reasons = append(reasons, NewReason("enrollment_year", msg.OnboardingYearInFuture, msg.Int("year", int64(c.CurrentYear))))
	case c.EnrollmentYear < c.CurrentYear-MaxStudyYears:
		reasons = append(reasons, NewReason("enrollment_year", msg.OnboardingYearTooOld, msg.Int("year", int64(c.CurrentYear-MaxStudyYears))))
	}
	if len(reasons) > 0 {
		return OnboardingNeedsInfo, reasons
	}
	return OnboardingAwaitingEmail, nil
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
