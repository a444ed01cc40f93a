package matching

import (
	"math"
	"strings"
)

// Score weights. They are part of the documented, published formula of
// [Score]; changing them changes every place's ranking of applicants.
const (
	// PointsPerSkill is awarded for each distinct skill the place asks for
	// that the applicant has.
	PointsPerSkill = 10
	// PointsPerCertificate is awarded for each programme certificate the
	// applicant has earned, up to MaxCountedCertificates certificates.
	PointsPerCertificate = 5
	// MaxCountedCertificates caps the number of certificates that score.
	MaxCountedCertificates = 5
	// PointsVerifiedShop is awarded once if the applicant runs a verified shop.
	PointsVerifiedShop = 8
)

// ApplicantProfile is the part of an applicant's record that places score.
type ApplicantProfile struct {
	// Skills are free-text skill tags, e.g. "Go", " marketing ".
	Skills []string
	// CertificatesEarned is the number of programme certificates earned.
	// Negative values count as zero.
	CertificatesEarned int
	// VerifiedShop reports whether the applicant runs a verified shop.
	VerifiedShop bool
}

// PlaceProfile is the part of an internship place's record used for scoring.
type PlaceProfile struct {
	// Skills are the skill tags the place asks for.
	Skills []string
}

// Score is the score place p gives applicant a; a place ranks the applicants
// who listed it by this score, higher first (ties are broken by the lottery
// draw described at [Match]). The formula, all integer:
//
//	Score = 10 × (number of distinct skills the place asks for that the applicant has)
//	      +  5 × min(max(CertificatesEarned, 0), 5)
//	      +  8 if VerifiedShop
//
// Skills are compared after strings.TrimSpace, case-insensitively
// (strings.EqualFold). Empty (or all-blank) skills never match, and a skill
// the place lists twice counts once. So the score lies in
// [0, 10×len(p.Skills) + 33]; it saturates at math.MaxInt32 and never
// overflows. Score is pure, deterministic and does not allocate.
func Score(a ApplicantProfile, p PlaceProfile) int32 {
	matched := 0
	for i, ps := range p.Skills {
		ps = strings.TrimSpace(ps)
		if ps == "" || seenBefore(p.Skills[:i], ps) {
			continue
		}
		for _, as := range a.Skills {
			if strings.EqualFold(strings.TrimSpace(as), ps) {
				matched++
				break
			}
		}
	}
	certs := min(max(a.CertificatesEarned, 0), MaxCountedCertificates)
	total := int64(matched)*PointsPerSkill + int64(certs)*PointsPerCertificate
	if a.VerifiedShop {
		total += PointsVerifiedShop
	}
	return int32(min(total, math.MaxInt32))
}

// seenBefore reports whether skill (already trimmed) occurs, trimmed and
// case-insensitively, in earlier.
func seenBefore(earlier []string, skill string) bool {
	for _, e := range earlier {
		if strings.EqualFold(strings.TrimSpace(e), skill) {
			return true
		}
	}
	return false
}
