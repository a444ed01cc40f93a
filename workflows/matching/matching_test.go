package matching

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// app builds an Applicant from alternating (place, score) pairs.
func app(pairs ...int32) Applicant {
	var a Applicant
	for i := 0; i+1 < len(pairs); i += 2 {
		a.Prefs = append(a.Prefs, pairs[i])
		a.Scores = append(a.Scores, pairs[i+1])
	}
	return a
}

func places(caps ...int32) []Place {
	out := make([]Place, len(caps))
	for i, c := range caps {
		out[i] = Place{Capacity: c}
	}
	return out
}

// position returns where p occurs in a's Prefs, or -1.
func position(a Applicant, p int32) int {
	for k, q := range a.Prefs {
		if q == p {
			return k
		}
	}
	return -1
}

// checkFeasible checks that res is well formed for in: lengths, everyone on
// a place of their own list with Choice consistent, capacities respected,
// Cutoff equal to the lowest admitted rank exactly when a place is full,
// and Proposals equal to the order-independent count.
func checkFeasible(t testing.TB, in Input, res Result) {
	t.Helper()
	require.Len(t, res.Assigned, len(in.Applicants))
	require.Len(t, res.Choice, len(in.Applicants))
	require.Len(t, res.Cutoff, len(in.Places))
	load := make([]int32, len(in.Places))
	lowest := make([]Rank, len(in.Places))
	proposals := 0
	for a, ap := range in.Applicants {
		p := res.Assigned[a]
		if p < 0 {
			require.Equal(t, int32(-1), p, "applicant %d", a)
			require.Equal(t, int32(-1), res.Choice[a], "applicant %d", a)
			proposals += len(ap.Prefs)
			continue
		}
		k := position(ap, p)
		require.GreaterOrEqual(t, k, 0, "applicant %d assigned to unlisted place %d", a, p)
		require.Equal(t, int32(k), res.Choice[a], "applicant %d", a)
		proposals += k + 1
		r := in.RankAt(a, k)
		if load[p] == 0 || lowest[p].Above(r) {
			lowest[p] = r
		}
		load[p]++
	}
	require.Equal(t, proposals, res.Proposals)
	for p, pl := range in.Places {
		require.LessOrEqual(t, load[p], pl.Capacity, "place %d over capacity", p)
		if pl.Capacity > 0 && load[p] == pl.Capacity {
			require.Equal(t, lowest[p], res.Cutoff[p], "cutoff of place %d", p)
		} else {
			require.False(t, res.Cutoff[p].Exists(), "place %d is not full but has a cutoff", p)
		}
	}
}

// blockingPair returns a blocking pair of res under the places' rankings
// given by rankAt (brute force: every applicant, every place it prefers to
// its assignment, every applicant held there), or ok == false.
func blockingPair(in Input, res Result, rankAt func(a, k int) Rank) (a int, p int32, ok bool) {
	for a, ap := range in.Applicants {
		for k, p := range ap.Prefs {
			if res.Assigned[a] == p {
				break // places below the assignment cannot block
			}
			mine := rankAt(a, k)
			load := int32(0)
			for b, q := range res.Assigned {
				if q != p {
					continue
				}
				load++
				if mine.Above(rankAt(b, position(in.Applicants[b], p))) {
					return a, p, true // p holds someone it ranks below a
				}
			}
			if load < in.Places[p].Capacity {
				return a, p, true // free seat a would take
			}
		}
	}
	return 0, 0, false
}

// checkStable checks feasibility and the absence of blocking pairs under the
// full (score, draw, index) ranking.
func checkStable(t testing.TB, in Input, res Result) {
	t.Helper()
	checkFeasible(t, in, res)
	a, p, ok := blockingPair(in, res, in.RankAt)
	require.False(t, ok, "blocking pair: applicant %d, place %d", a, p)
}

// checkStableByCutoff checks stability in O(list entries) using Cutoff:
// every place an applicant prefers to its assignment must be full with a
// cutoff ranking above the applicant. Used on large instances.
func checkStableByCutoff(t testing.TB, in Input, res Result) {
	t.Helper()
	for a, ap := range in.Applicants {
		for k, p := range ap.Prefs {
			if res.Assigned[a] == p {
				break
			}
			if in.Places[p].Capacity == 0 {
				continue
			}
			c := res.Cutoff[p]
			require.True(t, c.Exists(), "applicant %d: preferred place %d has a free seat", a, p)
			require.True(t, c.Above(in.RankAt(a, k)), "applicant %d blocks with place %d", a, p)
		}
	}
}

// randomInstance draws a small instance with many ties: scores in [0, 3].
func randomInstance(rng *rand.Rand, maxApplicants, maxPlaces int, maxCap int32) Input {
	nP := 1 + rng.IntN(maxPlaces)
	in := Input{Places: make([]Place, nP), Seed: rng.Uint64()}
	for p := range in.Places {
		in.Places[p].Capacity = 1 + rng.Int32N(maxCap)
	}
	in.Applicants = make([]Applicant, 1+rng.IntN(maxApplicants))
	for a := range in.Applicants {
		perm := rng.Perm(nP)[:rng.IntN(nP+1)]
		for _, p := range perm {
			in.Applicants[a].Prefs = append(in.Applicants[a].Prefs, int32(p))
			in.Applicants[a].Scores = append(in.Applicants[a].Scores, rng.Int32N(4))
		}
	}
	return in
}

// stableOptimum enumerates every assignment respecting lists and capacities,
// keeps the stable ones and returns their number and, per applicant, the
// best Prefs position obtained in any of them (len(Prefs) = unmatched), plus
// the number of matched applicants in each stable matching (all equal, by
// the rural hospitals theorem, so one value; -1 if they differ).
func stableOptimum(in Input) (count int, best []int, matched int) {
	nA := len(in.Applicants)
	best = make([]int, nA)
	for a := range best {
		best[a] = len(in.Applicants[a].Prefs) + 1 // worse than anything
	}
	assigned := make([]int32, nA)
	load := make([]int32, len(in.Places))
	matched = -2
	var rec func(a int)
	rec = func(a int) {
		if a == nA {
			res := Result{Assigned: assigned}
			if _, _, blocked := blockingPair(in, res, in.RankAt); blocked {
				return
			}
			count++
			m := 0
			for b, p := range assigned {
				k := len(in.Applicants[b].Prefs)
				if p >= 0 {
					k = position(in.Applicants[b], p)
					m++
				}
				best[b] = min(best[b], k)
			}
			if matched == -2 {
				matched = m
			} else if matched != m {
				matched = -1
			}
			return
		}
		assigned[a] = -1
		rec(a + 1)
		for _, p := range in.Applicants[a].Prefs {
			if load[p] < in.Places[p].Capacity {
				load[p]++
				assigned[a] = p
				rec(a + 1)
				load[p]--
			}
		}
		assigned[a] = -1
	}
	rec(0)
	return count, best, matched
}

// enumerationSize is the number of assignments stableOptimum would visit
// (an upper bound), saturating at limit.
func enumerationSize(in Input, limit int) int {
	n := 1
	for _, a := range in.Applicants {
		n *= len(a.Prefs) + 1
		if n > limit {
			return limit + 1
		}
	}
	return n
}

// checkApplicantOptimal checks res against all stable matchings of in.
func checkApplicantOptimal(t testing.TB, in Input, res Result) {
	t.Helper()
	count, best, matched := stableOptimum(in)
	require.Positive(t, count, "no stable matching found")
	require.NotEqual(t, -1, matched, "stable matchings match different numbers of applicants")
	ours := 0
	for a, ap := range in.Applicants {
		got := len(ap.Prefs)
		if res.Choice[a] >= 0 {
			got = int(res.Choice[a])
			ours++
		}
		require.Equal(t, best[a], got, "applicant %d is not given its best stable place", a)
	}
	require.Equal(t, matched, ours)
}

func TestMatchKnownExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        Input
		assigned  []int32
		choice    []int32
		cutoff    []int32 // score of the cutoff per place, -1 = none
		proposals int
	}{
		{
			// A1 outscores A0 at place 0; A0 then beats A2 at place 1.
			name: "displacement",
			in: Input{Places: places(1, 1), Applicants: []Applicant{
				app(0, 5, 1, 5),
				app(0, 7, 1, 3),
				app(1, 4),
			}},
			assigned:  []int32{1, 0, -1},
			choice:    []int32{1, 0, -1},
			cutoff:    []int32{7, 5},
			proposals: 4,
		},
		{
			// Two stable matchings exist: {A0-0, A1-1} (applicant-optimal)
			// and {A0-1, A1-0} (place-optimal). We must return the former.
			name: "applicant optimal over place optimal",
			in: Input{Places: places(1, 1), Applicants: []Applicant{
				app(0, 1, 1, 9),
				app(1, 1, 0, 9),
			}},
			assigned:  []int32{0, 1},
			choice:    []int32{0, 0},
			cutoff:    []int32{1, 1},
			proposals: 2,
		},
		{
			// Place 0 (2 seats) takes the two best; place 1 the next.
			name: "capacity two",
			in: Input{Places: places(2, 1), Applicants: []Applicant{
				app(0, 10, 1, 1),
				app(0, 20, 1, 2),
				app(0, 30, 1, 3),
				app(0, 40, 1, 4),
			}},
			assigned:  []int32{-1, 1, 0, 0},
			choice:    []int32{-1, 1, 0, 0},
			cutoff:    []int32{30, 2},
			proposals: 2 + 2 + 1 + 1,
		},
		{
			// A chain of displacements: each newcomer bumps the previous
			// holder of place 0, who moves on to place 1, then 2.
			name: "rejection chain",
			in: Input{Places: places(1, 1, 1), Applicants: []Applicant{
				app(0, 1, 1, 1, 2, 1),
				app(0, 2, 1, 2, 2, 2),
				app(0, 3, 1, 3, 2, 3),
			}},
			assigned:  []int32{2, 1, 0},
			choice:    []int32{2, 1, 0},
			cutoff:    []int32{3, 2, 1},
			proposals: 3 + 2 + 1,
		},
		{
			// Zero capacity and unlisted places; empty lists.
			name: "zero capacity, empty list, free seats",
			in: Input{Places: places(0, 3, 2), Applicants: []Applicant{
				app(0, 9, 1, 1),
				app(),
				app(0, 5),
			}},
			assigned:  []int32{1, -1, -1},
			choice:    []int32{1, -1, -1},
			cutoff:    []int32{-1, -1, -1},
			proposals: 2 + 0 + 1,
		},
		{
			name:      "no applicants",
			in:        Input{Places: places(1)},
			assigned:  []int32{},
			choice:    []int32{},
			cutoff:    []int32{-1},
			proposals: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Match(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.assigned, res.Assigned)
			require.Equal(t, tt.choice, res.Choice)
			require.Equal(t, tt.proposals, res.Proposals)
			cut := make([]int32, len(res.Cutoff))
			for p, c := range res.Cutoff {
				cut[p] = -1
				if c.Exists() {
					cut[p] = c.Score
				}
			}
			require.Equal(t, tt.cutoff, cut)
			checkStable(t, tt.in, res)
			checkApplicantOptimal(t, tt.in, res)
		})
	}
}

func TestMatchTieBreakByDraw(t *testing.T) {
	t.Parallel()
	winners := map[int32]bool{}
	for seed := range uint64(64) {
		in := Input{Places: places(1), Applicants: []Applicant{app(0, 5), app(0, 5)}, Seed: seed}
		res, err := Match(in)
		require.NoError(t, err)
		want := int32(0)
		if Draw(seed, 1) > Draw(seed, 0) {
			want = 1
		}
		require.Equal(t, want, res.Cutoff[0].Applicant)
		require.Equal(t, Draw(seed, int(want)), res.Cutoff[0].Draw)
		require.Equal(t, int32(0), res.Assigned[want])
		require.Equal(t, int32(-1), res.Assigned[1-want])
		winners[want] = true
	}
	require.Len(t, winners, 2, "the lottery should let either applicant win some seeds")
}

func TestRankAbove(t *testing.T) {
	t.Parallel()
	require.True(t, Rank{Score: 2, Draw: 0, Applicant: 9}.Above(Rank{Score: 1, Draw: 99, Applicant: 0}))
	require.True(t, Rank{Score: 1, Draw: 5, Applicant: 9}.Above(Rank{Score: 1, Draw: 4, Applicant: 0}))
	require.True(t, Rank{Score: 1, Draw: 5, Applicant: 1}.Above(Rank{Score: 1, Draw: 5, Applicant: 2}))
	require.False(t, Rank{Score: 1, Draw: 5, Applicant: 2}.Above(Rank{Score: 1, Draw: 5, Applicant: 2}))
	require.False(t, Rank{Applicant: -1}.Exists())
	require.True(t, Rank{}.Exists())
}

func TestDrawIsSplitmix64(t *testing.T) {
	t.Parallel()
	// Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
	require.Equal(t, uint64(0xe220a8397b1dcdaf), Draw(0, 0))
	require.Equal(t, uint64(0x6e789e6aa1b965f4), Draw(0, 1))
	require.Equal(t, uint64(0x06c45d188009454f), Draw(0, 2))
	require.NotEqual(t, Draw(1, 0), Draw(0, 0))
}

func TestMatchRandomStable(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(20240901, 1))
	for i := range 3000 {
		in := randomInstance(rng, 7, 4, 3)
		res, err := Match(in)
		require.NoError(t, err, "instance %d", i)
		checkStable(t, in, res)
	}
}

func TestMatchApplicantOptimal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	checked := 0
	for checked < 600 {
		in := randomInstance(rng, 6, 3, 2)
		if enumerationSize(in, 5000) > 5000 {
			continue
		}
		res, err := Match(in)
		require.NoError(t, err)
		checkStable(t, in, res)
		checkApplicantOptimal(t, in, res)
		checked++
	}
}

func TestMatchLargeSkewedStable(t *testing.T) {
	t.Parallel()
	in := syntheticInput(3, 20_000, 1_000, 1, 10)
	in.Places[0].Capacity = 7 // exercise real heaps too
	in.Places[5].Capacity = 40
	in.Places[17].Capacity = 0
	res, err := Match(in)
	require.NoError(t, err)
	checkFeasible(t, in, res)
	checkStableByCutoff(t, in, res)
}

func TestMatchDeterministic(t *testing.T) {
	t.Parallel()
	in := syntheticInput(11, 1_000, 50, 2, 10)
	first, err := Match(in)
	require.NoError(t, err)
	second, err := Match(in)
	require.NoError(t, err)
	require.Equal(t, first, second)

	// Another seed may only reorder equal scores: the result is still
	// stable under the score-only (weak) ranking.
	other := in
	other.Seed = in.Seed + 1
	third, err := Match(other)
	require.NoError(t, err)
	checkStableByCutoff(t, other, third)
	require.NotEqual(t, first.Assigned, third.Assigned, "many ties: the lottery should matter")
	scoreOnly := func(a, k int) Rank {
		return Rank{Score: in.Applicants[a].Scores[k]} // all ties equal
	}
	for _, res := range []Result{first, third} {
		a, p, blocked := blockingPair(in, res, scoreOnly)
		require.False(t, blocked, "applicant %d has a strictly higher score than someone held at place %d", a, p)
	}
}

func TestMatchSeedIrrelevantWithoutTies(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(99, 1))
	for range 300 {
		in := randomInstance(rng, 7, 4, 3)
		// Make every score distinct so no tie-break is ever needed.
		for a := range in.Applicants {
			for k := range in.Applicants[a].Scores {
				in.Applicants[a].Scores[k] = int32(a*10 + k)
			}
		}
		base, err := Match(in)
		require.NoError(t, err)
		for _, seed := range []uint64{0, 1, 0xdeadbeef} {
			in.Seed = seed
			res, err := Match(in)
			require.NoError(t, err)
			require.Equal(t, base.Assigned, res.Assigned)
		}
	}
}

func TestMatchDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	in := syntheticInput(5, 500, 40, 3, 6)
	before := fmt.Sprint(in)
	_, err := Match(in)
	require.NoError(t, err)
	require.Equal(t, before, fmt.Sprint(in))
}

func TestMatchValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Input
		msg  string
	}{
		{"negative capacity", Input{Places: places(1, -2)}, "place 1: negative capacity -2"},
		{"place out of range", Input{Places: places(1, 1), Applicants: []Applicant{app(0, 1), app(1, 1, 2, 1)}},
			"applicant 1: choice 1: place 2 out of range [0, 2)"},
		{"negative place", Input{Places: places(1), Applicants: []Applicant{app(-1, 1)}},
			"applicant 0: choice 0: place -1 out of range [0, 1)"},
		{"duplicate", Input{Places: places(1, 1), Applicants: []Applicant{app(0, 1), app(1, 1, 0, 2, 1, 3)}},
			"applicant 1: choice 2: place 1 listed more than once"},
		{"length mismatch", Input{Places: places(1, 1), Applicants: []Applicant{{Prefs: []int32{0, 1}, Scores: []int32{4}}}},
			"applicant 0: 2 preferences but 1 scores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Match(tt.in)
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrInvalidInput))
			require.ErrorContains(t, err, tt.msg)
			require.Nil(t, res.Assigned)
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	// Place 0 has 2 seats, place 1 one seat, place 2 none.
	in := Input{Places: places(2, 1, 0), Applicants: []Applicant{
		app(2, 50, 0, 10, 1, 1), // 0: unmatched
		app(0, 20, 1, 2),        // 1: second choice
		app(0, 30, 1, 3),        // 2: first choice
		app(0, 40, 1, 4),        // 3: first choice
		app(1, 0),               // 4: unmatched, lost to 1 on score
	}}
	res, err := Match(in)
	require.NoError(t, err)
	require.Equal(t, []int32{-1, 1, 0, 0, -1}, res.Assigned)

	require.Equal(t, Explanation{
		Applicant: 0, Offered: -1, OfferedChoice: -1,
		Higher: []PlaceOutcome{
			{Place: 2, Choice: 0, Score: 50, Capacity: 0, Full: true},
			{Place: 0, Choice: 1, Score: 10, Capacity: 2, Full: true, LowestAdmittedScore: 30},
			{Place: 1, Choice: 2, Score: 1, Capacity: 1, Full: true, LowestAdmittedScore: 2},
		},
	}, res.Explain(in, 0))

	require.Equal(t, Explanation{
		Applicant: 1, Offered: 1, OfferedChoice: 1, OfferedScore: 2,
		Higher: []PlaceOutcome{
			{Place: 0, Choice: 0, Score: 20, Capacity: 2, Full: true, LowestAdmittedScore: 30},
		},
	}, res.Explain(in, 1))

	require.Equal(t, Explanation{Applicant: 3, Offered: 0, OfferedChoice: 0, OfferedScore: 40}, res.Explain(in, 3))

	require.Equal(t, Explanation{Applicant: 9, Offered: -1, OfferedChoice: -1}, res.Explain(in, 9))
	require.Equal(t, Explanation{Applicant: -1, Offered: -1, OfferedChoice: -1}, res.Explain(in, -1))

	// A lost lottery is flagged.
	tie := Input{Places: places(1), Applicants: []Applicant{app(0, 7), app(0, 7)}, Seed: 3}
	res, err = Match(tie)
	require.NoError(t, err)
	loser := 0
	if res.Assigned[0] == 0 {
		loser = 1
	}
	e := res.Explain(tie, loser)
	require.Equal(t, int32(-1), e.Offered)
	require.Len(t, e.Higher, 1)
	require.True(t, e.Higher[0].LostTieBreak)
	require.True(t, e.Higher[0].Full)
}

func TestExplainConsistentWithCutoffs(t *testing.T) {
	t.Parallel()
	in := syntheticInput(8, 2_000, 100, 2, 8)
	res, err := Match(in)
	require.NoError(t, err)
	for a := range in.Applicants {
		e := res.Explain(in, a)
		require.Equal(t, res.Assigned[a], e.Offered)
		require.Equal(t, int(res.Choice[a]), e.OfferedChoice)
		if e.Offered < 0 {
			require.Len(t, e.Higher, len(in.Applicants[a].Prefs))
		} else {
			require.Len(t, e.Higher, e.OfferedChoice)
		}
		for _, o := range e.Higher {
			require.True(t, o.Full, "applicant %d, place %d", a, o.Place)
			require.GreaterOrEqual(t, o.LowestAdmittedScore, o.Score)
		}
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	place := PlaceProfile{Skills: []string{"Go", " SQL ", "go", "", "Design"}}
	tests := []struct {
		name string
		a    ApplicantProfile
		want int32
	}{
		{"nothing", ApplicantProfile{}, 0},
		{"skills trimmed and case-insensitive, duplicates once", ApplicantProfile{Skills: []string{"go ", "sql", "SQL", "cooking"}}, 20},
		{"blank skill never matches", ApplicantProfile{Skills: []string{"  "}}, 0},
		{"certificates", ApplicantProfile{CertificatesEarned: 3}, 15},
		{"certificates capped", ApplicantProfile{CertificatesEarned: 12}, 25},
		{"negative certificates", ApplicantProfile{CertificatesEarned: -4}, 0},
		{"verified shop", ApplicantProfile{VerifiedShop: true}, 8},
		{"everything", ApplicantProfile{Skills: []string{"design", "GO", "sql"}, CertificatesEarned: 5, VerifiedShop: true}, 30 + 25 + 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Score(tt.a, place))
		})
	}
}

// decodeInstance turns fuzz bytes into a small valid instance: at most 8
// applicants, 5 places, capacities 0-3, scores 0-4 (many ties).
func decodeInstance(data []byte, seed uint64) Input {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	nA := 1 + next()%8
	nP := 1 + next()%5
	in := Input{Places: make([]Place, nP), Applicants: make([]Applicant, nA), Seed: seed}
	for p := range in.Places {
		in.Places[p].Capacity = int32(next() % 4)
	}
	for a := range in.Applicants {
		n := next() % (nP + 1)
		for range n {
			p := int32(next() % nP)
			score := int32(next() % 5)
			if position(in.Applicants[a], p) >= 0 {
				continue
			}
			in.Applicants[a].Prefs = append(in.Applicants[a].Prefs, p)
			in.Applicants[a].Scores = append(in.Applicants[a].Scores, score)
		}
	}
	return in
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte{}, uint64(0))
	// 2 applicants, 1 place with 1 seat, equal scores: the draw decides.
	f.Add([]byte{1, 0, 1, 1, 0, 3, 1, 0, 3}, uint64(1))
	// 2 applicants, 2 single-seat places, crossed preferences: two stable
	// matchings, the applicant-optimal one must be chosen.
	f.Add([]byte{1, 1, 1, 1, 2, 0, 1, 1, 4, 2, 1, 1, 0, 4}, uint64(2))
	f.Add([]byte("\x07\x04\x01\x02\x03\x00\x04\x00\x03\x01\x02\x02\x01\x03\x00\x04\x01\x02\x03\x04\x00"), uint64(0xdeadbeef))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		in := decodeInstance(data, seed)
		res, err := Match(in)
		require.NoError(t, err)
		checkStable(t, in, res)
		if enumerationSize(in, 3000) <= 3000 {
			checkApplicantOptimal(t, in, res)
		}
		again, err := Match(in)
		require.NoError(t, err)
		require.Equal(t, res, again)
	})
}
