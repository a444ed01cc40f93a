// Package matching is the internship matching engine of the campusbiz
// entrepreneurship programme.
//
// Applicants rank internship places (best first); each place ranks the
// applicants who listed it by a score (see [Score]) with a deterministic
// lottery tie-break (see [Draw]). [Match] runs applicant-proposing deferred
// acceptance with capacities (Gale–Shapley; Roth's hospitals/residents
// problem). The result is stable — no applicant and place would both rather
// be matched to each other than keep what they got — and applicant-optimal:
// every applicant gets the best place they get in any stable matching.
//
// The package is pure: no I/O, no global state, no goroutines. Everything is
// indexed densely (place i is Input.Places[i], applicant j is
// Input.Applicants[j]) so the caller maps its own IDs to indices.
package matching

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInput is wrapped by every validation error that [Match] returns;
// test for it with errors.Is.
var ErrInvalidInput = errors.New("matching: invalid input")

// Place is one internship place.
type Place struct {
	// Capacity is the number of seats. Zero is allowed (the place admits
	// nobody); negative is an error.
	Capacity int32
}

// Applicant is one student's application.
type Applicant struct {
	// Prefs are place indices, best first, without duplicates. It may be
	// empty (the applicant stays unmatched).
	Prefs []int32
	// Scores is parallel to Prefs: Scores[i] is the score place Prefs[i]
	// gives this applicant (usually computed with [Score]).
	Scores []int32
}

// Input is one matching round.
type Input struct {
	// Places are the internship places; index = place ID within the round.
	Places []Place
	// Applicants are the applications; index = applicant ID within the round.
	Applicants []Applicant
	// Seed drives the tie-break lottery (see [Draw]). Re-running a round
	// with the same Places, Applicants and Seed gives the same Result.
	Seed uint64
}

// Rank is the position of one applicant in one place's ranking: a higher
// Score ranks higher; on equal scores the higher Draw ranks higher; on equal
// draws (practically never) the lower applicant index ranks higher. See
// [Rank.Above].
type Rank struct {
	// Draw is the applicant's lottery draw, [Draw](Input.Seed, Applicant).
	// The same draw is used at every place.
	Draw uint64
	// Score is the score the place gives the applicant.
	Score int32
	// Applicant is the applicant index, or -1 for "no rank" (see Exists).
	Applicant int32
}

// noRank is the Rank used where there is none (see Rank.Exists).
var noRank = Rank{Applicant: -1}

// Exists reports whether r denotes an applicant; a Result's Cutoff entry for
// a place that is not full does not.
func (r Rank) Exists() bool { return r.Applicant >= 0 }

// Above reports whether r ranks strictly higher than o at a place: higher
// Score, then higher Draw, then lower Applicant index. It is a strict total
// order on the ranks of distinct applicants.
func (r Rank) Above(o Rank) bool {
	if r.Score != o.Score {
		return r.Score > o.Score
	}
	if r.Draw != o.Draw {
		return r.Draw > o.Draw
	}
	return r.Applicant < o.Applicant
}

// Draw is the tie-break lottery draw of an applicant in a round with the
// given seed: the (applicant+1)-th output of a splitmix64 generator started
// at seed, i.e. the splitmix64 finalizer applied to
// seed + (applicant+1)×0x9E3779B97F4A7C15. It is a fixed, documented mixing
// function, so a round re-run from the same inputs and seed gives the same
// result, while a different seed re-draws the order among equal scores only.
func Draw(seed uint64, applicant int) uint64 {
	z := seed + uint64(applicant+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// RankAt is the Rank of applicant at the place listed at position choice of
// its Prefs (0-based), i.e. the place Prefs[choice]. It panics if applicant
// or choice is out of range.
func (in Input) RankAt(applicant, choice int) Rank {
	return Rank{
		Draw:      Draw(in.Seed, applicant),
		Score:     in.Applicants[applicant].Scores[choice],
		Applicant: int32(applicant),
	}
}

// Result is the outcome of [Match].
type Result struct {
	// Assigned is the place index offered to each applicant, -1 if unmatched.
	Assigned []int32
	// Choice is, per applicant, the 0-based position of Assigned in the
	// applicant's Prefs (0 = first choice), -1 if unmatched.
	Choice []int32
	// Cutoff is, per place, the Rank of the lowest-ranked admitted applicant
	// when the place is full (all Capacity seats taken, Capacity > 0). It
	// does not exist (Rank.Exists is false) when the place has a free seat
	// or no seats: then anyone who listed it and was not offered a better
	// place got in. An applicant ranking strictly Above a place's cutoff is
	// never rejected by it.
	Cutoff []Rank
	// Proposals is the number of applications made during deferred
	// acceptance (each applicant proposes down its list until held); it is
	// independent of processing order.
	Proposals int
}

// Match validates in and runs applicant-proposing deferred acceptance with
// capacities over it.
//
// Validation rejects, with an error wrapping [ErrInvalidInput] and naming
// the offending applicant or place: a negative capacity, a place index out
// of range, a place listed twice by one applicant, len(Prefs) !=
// len(Scores), and more than math.MaxInt32 places or applicants.
//
// Places rank applicants by (Score, Draw, lower index); see [Rank.Above] and
// [Draw]. Because every place's ranking is strict, the applicant-optimal
// stable matching is unique; Match computes it, and the result depends only
// on in (in particular on Seed for equal scores), never on timing or map
// order. The running time is O(L log C) for L list entries in total and C
// the largest capacity, with a constant number of allocations (no
// per-proposal allocation). Match does not modify or retain in.
func Match(in Input) (Result, error) {
	nPlaces, nApplicants := len(in.Places), len(in.Applicants)
	if nPlaces > math.MaxInt32 {
		return Result{}, fmt.Errorf("%w: %d places, at most %d supported", ErrInvalidInput, nPlaces, math.MaxInt32)
	}
	if nApplicants > math.MaxInt32 {
		return Result{}, fmt.Errorf("%w: %d applicants, at most %d supported", ErrInvalidInput, nApplicants, math.MaxInt32)
	}
	for p, pl := range in.Places {
		if pl.Capacity < 0 {
			return Result{}, fmt.Errorf("%w: place %d: negative capacity %d", ErrInvalidInput, p, pl.Capacity)
		}
	}

	// Validation pass. listed[p] counts the applicants listing p; seen[p] is
	// 1 + the index of the last applicant that listed p (duplicate check).
	listed := make([]int32, nPlaces)
	seen := make([]int32, nPlaces)
	for a := range in.Applicants {
		ap := &in.Applicants[a]
		if len(ap.Prefs) != len(ap.Scores) {
			return Result{}, fmt.Errorf("%w: applicant %d: %d preferences but %d scores", ErrInvalidInput, a, len(ap.Prefs), len(ap.Scores))
		}
		stamp := int32(a + 1)
		for k, p := range ap.Prefs {
			if p < 0 || int(p) >= nPlaces {
				return Result{}, fmt.Errorf("%w: applicant %d: choice %d: place %d out of range [0, %d)", ErrInvalidInput, a, k, p, nPlaces)
			}
			if seen[p] == stamp {
				return Result{}, fmt.Errorf("%w: applicant %d: choice %d: place %d listed more than once", ErrInvalidInput, a, k, p)
			}
			seen[p] = stamp
			listed[p]++
		}
	}

	// Each place holds at most min(capacity, #listers) applicants, in a
	// min-heap (worst held applicant on top) inside one shared slab:
	// place p owns slab[start[p]:start[p+1]].
	start := make([]int, nPlaces+1)
	for p, pl := range in.Places {
		start[p+1] = start[p] + int(min(pl.Capacity, listed[p]))
	}
	slab := make([]Rank, start[nPlaces])
	held := seen // reuse: number of applicants place p currently holds
	clear(held)

	// next[a] is the position in a's Prefs of its next proposal. McVitie–
	// Wilson order: take applicants one by one and follow each rejection
	// chain to its end; the outcome equals any other proposal order.
	next := make([]int32, nApplicants)
	proposals := 0
	for a := range in.Applicants {
		cur := int32(a)
		for cur >= 0 {
			ap := &in.Applicants[cur]
			k := next[cur]
			if int(k) == len(ap.Prefs) {
				break // exhausted its list: unmatched
			}
			next[cur] = k + 1
			proposals++
			p := ap.Prefs[k]
			s, e := start[p], start[p+1]
			if s == e {
				continue // no seats (capacity 0)
			}
			r := Rank{Draw: Draw(in.Seed, int(cur)), Score: ap.Scores[k], Applicant: cur}
			h := slab[s:e]
			if n := held[p]; int(n) < len(h) {
				h[n] = r
				siftUp(h, int(n))
				held[p] = n + 1
				cur = -1
			} else if r.Above(h[0]) {
				cur = h[0].Applicant // displaced; proposes further down
				h[0] = r
				siftDown(h)
			}
			// else rejected: cur proposes to its next choice.
		}
	}

	assigned := make([]int32, nApplicants)
	for a := range assigned {
		assigned[a] = -1
	}
	cutoff := make([]Rank, nPlaces)
	for p, pl := range in.Places {
		h := slab[start[p] : start[p]+int(held[p])]
		for _, r := range h {
			assigned[r.Applicant] = int32(p)
		}
		if pl.Capacity > 0 && int32(len(h)) == pl.Capacity {
			cutoff[p] = h[0]
		} else {
			cutoff[p] = noRank
		}
	}
	choice := next // reuse: next[a]-1 is the held position for matched a
	for a := range choice {
		if assigned[a] < 0 {
			choice[a] = -1
		} else {
			choice[a]--
		}
	}
	return Result{Assigned: assigned, Choice: choice, Cutoff: cutoff, Proposals: proposals}, nil
}

// siftUp restores the min-heap order (worst rank on top) of h after h[i]
// was set.
func siftUp(h []Rank, i int) {
	x := h[i]
	for i > 0 {
		parent := (i - 1) / 2
		if !h[parent].Above(x) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = x
}

// siftDown restores the min-heap order of h after h[0] was replaced.
func siftDown(h []Rank) {
	n := len(h)
	x := h[0]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c].Above(h[c+1]) {
			c++
		}
		if !x.Above(h[c]) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}

// Explanation says why an applicant got the offer it got: every place it
// ranked above the offer (all its places if unmatched) was filled by
// applicants the place ranked higher. The caller renders it as text.
type Explanation struct {
	// Applicant is the applicant index explained.
	Applicant int
	// Offered is the place offered, -1 if none.
	Offered int32
	// OfferedChoice is the 0-based position of Offered in the applicant's
	// Prefs, -1 if none.
	OfferedChoice int
	// OfferedScore is the score Offered gave the applicant (0 if none).
	OfferedScore int32
	// Higher lists, best first, the places the applicant ranked above
	// Offered (all its places when unmatched).
	Higher []PlaceOutcome
}

// PlaceOutcome is why one place the applicant preferred did not admit it.
type PlaceOutcome struct {
	// Place is the place index.
	Place int32
	// Choice is the 0-based position of Place in the applicant's Prefs.
	Choice int
	// Score is the score Place gave the applicant.
	Score int32
	// Capacity is the place's number of seats.
	Capacity int32
	// Full reports whether all seats were taken (always true for a place
	// ranked above the offer in a Result of Match; a zero-capacity place
	// counts as full).
	Full bool
	// LowestAdmittedScore is the score of the lowest-ranked applicant the
	// place admitted; meaningful only when Full and Capacity > 0.
	LowestAdmittedScore int32
	// LostTieBreak reports that the applicant's Score equalled
	// LowestAdmittedScore, so the lottery draw decided (see [Draw]).
	LostTieBreak bool
}

// Explain explains applicant's outcome in r, which must be the Result of
// Match(in). An applicant index out of range yields an Explanation with
// Offered == -1 and no Higher entries.
func (r Result) Explain(in Input, applicant int) Explanation {
	e := Explanation{Applicant: applicant, Offered: -1, OfferedChoice: -1}
	if applicant < 0 || applicant >= len(in.Applicants) || applicant >= len(r.Assigned) {
		return e
	}
	ap := in.Applicants[applicant]
	offered := r.Assigned[applicant]
	for k, p := range ap.Prefs {
		var score int32
		if k < len(ap.Scores) {
			score = ap.Scores[k]
		}
		if p == offered {
			e.Offered, e.OfferedChoice, e.OfferedScore = p, k, score
			break
		}
		o := PlaceOutcome{Place: p, Choice: k, Score: score}
		if p >= 0 && int(p) < len(in.Places) {
			o.Capacity = in.Places[p].Capacity
			o.Full = o.Capacity == 0
		}
		if p >= 0 && int(p) < len(r.Cutoff) && r.Cutoff[p].Exists() {
			o.Full = true
			o.LowestAdmittedScore = r.Cutoff[p].Score
			o.LostTieBreak = score == o.LowestAdmittedScore
		}
		e.Higher = append(e.Higher, o)
	}
	return e
}
