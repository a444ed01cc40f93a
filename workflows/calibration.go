package workflows

import (
	"cmp"
	"math"
	"slices"
)

// ReviewScore is one review's score (1 to 10) of an application.
type ReviewScore struct {
	ReviewerID, ApplicationID string
	Score                     float64
}

// ReviewerSeverity is how a reviewer scores against their panels.
type ReviewerSeverity struct {
	ReviewerID string
	Reviews    int
	// Offset is how many points the reviewer scores above (positive,
	// lenient) or below (negative, harsh) the panels they sit on, once the
	// panels' own reviewers are corrected the same way.
	Offset float64
}

// CalibratedScore is an application's mean review score, raw and
// calibrated (each review corrected by its reviewer's offset).
type CalibratedScore struct {
	ApplicationID string
	Reviews       int
	Raw           float64
	Calibrated    float64
}

// Calibration settings: the prior weight that pulls the offset of a
// reviewer with few reviews towards zero (as if they had that many reviews
// exactly at their panels' means), and when the fit stops.
const (
	calibrationPrior     = 1.0
	calibrationRounds    = 100
	calibrationConverged = 1e-9
)

// Calibrate fits the additive model score = merit(application) +
// offset(reviewer) + noise to the reviews by alternating means: each
// application's merit is the mean of its reviews less their reviewers'
// offsets; each reviewer's offset is the sum of their reviews less the
// merits, divided by their review count plus calibrationPrior (shrinkage
// towards zero); the offsets are then centred on zero, so calibration
// moves no one's scale, only reviewers against each other. It repeats
// until nothing moves by more than calibrationConverged. Reviewers come
// out by id, applications by calibrated score, best first (then raw score,
// then id). Offsets are only as good as the overlap of panels: a reviewer
// who shares no application with others cannot be told from their
// applications and keeps an offset near zero.
func Calibrate(scores []ReviewScore) ([]ReviewerSeverity, []CalibratedScore) {
	reviewers, apps := map[string]int{}, map[string]int{}
	var rIDs, aIDs []string
	for _, s := range scores {
		if _, ok := reviewers[s.ReviewerID]; !ok {
			reviewers[s.ReviewerID] = len(rIDs)
			rIDs = append(rIDs, s.ReviewerID)
		}
		if _, ok := apps[s.ApplicationID]; !ok {
			apps[s.ApplicationID] = len(aIDs)
			aIDs = append(aIDs, s.ApplicationID)
		}
	}
	offset, merit := make([]float64, len(rIDs)), make([]float64, len(aIDs))
	nR, nA, raw := make([]int, len(rIDs)), make([]int, len(aIDs)), make([]float64, len(aIDs))
	for _, s := range scores {
		nR[reviewers[s.ReviewerID]]++
		a := apps[s.ApplicationID]
		nA[a]++
		raw[a] += s.Score
	}
	for a := range raw {
		raw[a] /= float64(nA[a])
	}
	sums := make([]float64, max(len(rIDs), len(aIDs)))
	fitMerit := func() {
		clear(sums)
		for _, s := range scores {
			sums[apps[s.ApplicationID]] += s.Score - offset[reviewers[s.ReviewerID]]
		}
		for a := range merit {
			merit[a] = sums[a] / float64(nA[a])
		}
	}
	for range calibrationRounds {
		fitMerit()
		clear(sums)
		for _, s := range scores {
			sums[reviewers[s.ReviewerID]] += s.Score - merit[apps[s.ApplicationID]]
		}
		moved, mean := 0.0, 0.0
		next := make([]float64, len(rIDs))
		for r := range next {
			next[r] = sums[r] / (float64(nR[r]) + calibrationPrior)
			mean += next[r] / float64(len(next))
		}
		for r := range next {
			next[r] -= mean
			moved = max(moved, math.Abs(next[r]-offset[r]))
		}
		offset = next
		if moved <= calibrationConverged {
			break
		}
	}
	fitMerit()
	sev := make([]ReviewerSeverity, len(rIDs))
	for r, id := range rIDs {
		sev[r] = ReviewerSeverity{ReviewerID: id, Reviews: nR[r], Offset: offset[r]}
	}
	slices.SortFunc(sev, func(x, y ReviewerSeverity) int { return cmp.Compare(x.ReviewerID, y.ReviewerID) })
	out := make([]CalibratedScore, len(aIDs))
	for a, id := range aIDs {
		out[a] = CalibratedScore{ApplicationID: id, Reviews: nA[a], Raw: raw[a], Calibrated: merit[a]}
	}
	slices.SortFunc(out, func(x, y CalibratedScore) int {
		if d := cmp.Compare(y.Calibrated, x.Calibrated); d != 0 {
			return d
		}
		if d := cmp.Compare(y.Raw, x.Raw); d != 0 {
			return d
		}
		return cmp.Compare(x.ApplicationID, y.ApplicationID)
	})
	return sev, out
}
