package workflows

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workflows/matching"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestInternshipFormNormalize(t *testing.T) {
	t.Parallel()
	a, b := uuid.NewString(), uuid.NewString()
	many := make([]string, MaxPreferences+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	for _, tc := range []struct {
		name   string
		form   InternshipForm
		want   InternshipForm
		reason msg.Message // the preferences error; zero = valid
	}{
		{name: "canonical ids, tidy skills",
			form: InternshipForm{Preferences: []string{strings.ToUpper(a), b}, Skills: []string{" Go ", "go", "", "  ", "SQL"}},
			want: InternshipForm{Preferences: []string{a, b}, Skills: []string{"Go", "SQL"}}},
		{name: "no skills is fine", form: InternshipForm{Preferences: []string{a}}, want: InternshipForm{Preferences: []string{a}, Skills: []string{}}},
		{name: "a place twice, in another case", form: InternshipForm{Preferences: []string{a, b, strings.ToUpper(a)}}, reason: msg.New(msg.InternshipPreferenceRepeated, msg.Int("item", 3))},
		{name: "no places", form: InternshipForm{}, reason: msg.New(msg.InternshipPreferencesCount, msg.Int("max", 10))},
		{name: "eleven places", form: InternshipForm{Preferences: many}, reason: msg.New(msg.InternshipPreferencesCount, msg.Int("max", 10))},
		{name: "not an id", form: InternshipForm{Preferences: []string{a, "place-2"}}, reason: msg.New(msg.InternshipPreferenceNotID, msg.Int("item", 2))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.form.Normalize()
			if tc.reason.IsZero() {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "want a validation error, got %v", err)
			require.Equal(t, map[string]msg.Message{"preferences": tc.reason}, ve.Fields)
		})
	}
}

func TestInternshipMachines(t *testing.T) {
	t.Parallel()
	m := InternshipMachine
	require.True(t, m.Allows("", InternshipPending))
	require.True(t, m.Allows(InternshipPending, InternshipOffered))
	require.True(t, m.Allows(InternshipUnmatched, InternshipUnmatched), "unmatched applications take part in the next round")
	require.True(t, m.Allows(InternshipOffered, InternshipDeclined))
	require.False(t, m.Allows(InternshipAccepted, InternshipDeclined))
	require.False(t, m.Allows(InternshipDeclined, InternshipOffered), "a declined application is final")
	require.False(t, m.Allows(InternshipPending, InternshipAccepted), "only an offer can be accepted")
	require.True(t, MatchRoundMachine.Allows(RoundQueued, RoundRunning))
	require.False(t, MatchRoundMachine.Allows(RoundDone, RoundRunning), "a finished round never runs again")
	require.True(t, MatchRoundMachine.IsFinal(RoundFailed))
}

func TestPlanRoundDropsClosedPlacesAndScores(t *testing.T) {
	t.Parallel()
	places := []RoundPlace{
		{ID: "p-go", Skills: []string{"Go", "SQL"}, Seats: 2},
		{ID: "p-design", Skills: []string{"Figma"}, Seats: 0},
		{ID: "p-over", Skills: nil, Seats: -3}, // more seats held than it has: none free
	}
	profile := matching.ApplicantProfile{Skills: []string{"go", "figma"}, CertificatesEarned: 2, VerifiedShop: true}
	apps := []RoundApplication{
		{ID: "a0", Preferences: []string{"p-closed", "p-design", "p-go"}, Profile: profile},
		{ID: "a1", Preferences: []string{"p-over"}},
		{ID: "a2", Preferences: []string{"p-gone"}},
	}
	plan := PlanRound(places, apps, 7)
	require.Equal(t, uint64(7), plan.Input.Seed)
	require.Equal(t, []matching.Place{{Capacity: 2}, {Capacity: 0}, {Capacity: 0}}, plan.Input.Places)
	want0 := []int32{NotInRound, matching.Score(profile, matching.PlaceProfile{Skills: []string{"Figma"}}),
		matching.Score(profile, matching.PlaceProfile{Skills: []string{"Go", "SQL"}})}
	require.Equal(t, want0, plan.Scores[0])
	require.Equal(t, int32(10+10+8), want0[1], "figma + two certificates + verified shop")
	require.Equal(t, []int32{1, 0}, plan.Input.Applicants[0].Prefs, "closed places drop out, the order stays")
	require.Equal(t, want0[1:], plan.Input.Applicants[0].Scores)
	require.Equal(t, []int32{NotInRound}, plan.Scores[2])
	require.Empty(t, plan.Input.Applicants[2].Prefs)

	res, err := matching.Match(plan.Input)
	require.NoError(t, err)
	require.Equal(t, []int32{0, -1, -1}, res.Assigned)
	require.Equal(t, 2, Position(plan.Scores[0], int(res.Choice[0])), "choice 1 of the round is the third preference")
}

func TestPosition(t *testing.T) {
	t.Parallel()
	scores := []int32{NotInRound, 5, NotInRound, NotInRound, 9}
	require.Equal(t, 1, Position(scores, 0))
	require.Equal(t, 4, Position(scores, 1))
	require.Equal(t, -1, Position(scores, 2))
	require.Equal(t, -1, Position(scores, -1))
}

func score(n int32) *int32 { return &n }

func TestExplainOutcome(t *testing.T) {
	t.Parallel()
	prefs := []string{"closed", "tie", "higher", "none", "got", "below"}
	scores := []int32{NotInRound, 20, 18, 30, 25, 40}
	places := map[string]PlaceOutcome{
		"tie":    {Seats: 1, CutoffScore: score(20)},
		"higher": {Seats: 3, CutoffScore: score(31)},
		"none":   {Seats: 0},
		"got":    {Seats: 2},
		"below":  {Seats: 1, CutoffScore: score(50)},
	}
	e := ExplainOutcome("r1", prefs, scores, "got", places)
	require.Equal(t, "r1", e.RoundID)
	require.Equal(t, &ExplainedPlace{PlaceID: "got", Rank: 5, InRound: true, Score: 25, Seats: 2,
		Reason: msg.New(msg.InternshipOffered, msg.Int("rank", 5))}, e.Offered)
	require.Len(t, e.Higher, 4, "every place ranked above the offer, none below")

	require.Equal(t, ExplainedPlace{PlaceID: "closed", Rank: 1, Reason: msg.New(msg.InternshipPlaceClosed, msg.Int("rank", 1))}, e.Higher[0])
	tie := e.Higher[1]
	require.True(t, tie.Full)
	require.True(t, tie.LostTieBreak)
	require.Equal(t, int32(20), *tie.LowestAdmittedScore)
	require.Equal(t, msg.New(msg.InternshipPlaceTieBreak, msg.Int("rank", 2), msg.Int("lowest", 20)), tie.Reason)
	higher := e.Higher[2]
	require.False(t, higher.LostTieBreak)
	require.Equal(t, int32(31), *higher.LowestAdmittedScore)
	require.Equal(t, msg.New(msg.InternshipPlaceOutscored, msg.Int("rank", 3), msg.Int("lowest", 31), msg.Int("score", 18)), higher.Reason)
	none := e.Higher[3]
	require.True(t, none.Full)
	require.Nil(t, none.LowestAdmittedScore)
	require.Equal(t, msg.New(msg.InternshipPlaceNoSeat, msg.Int("rank", 4)), none.Reason)
	require.Equal(t, e.Offered.Reason, e.Outcome, "the outcome is the offer")

	unmatched := ExplainOutcome("r1", prefs[:3], scores[:3], "", places)
	require.Nil(t, unmatched.Offered)
	require.Len(t, unmatched.Higher, 3)
	require.Equal(t, msg.New(msg.InternshipUnmatched), unmatched.Outcome)
}

// TestExplainOutcomeAgreesWithMatch checks, on random rounds, that the
// explanation rebuilt from what a round stores (scores, place seats and
// cutoff scores) says what matching's own Explain says about the round.
func TestExplainOutcomeAgreesWithMatch(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	skills := []string{"go", "sql", "design", "sales", "video"}
	pick := func() []string {
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = skills[rng.IntN(len(skills))]
		}
		return out
	}
	for round := range 200 {
		places := make([]RoundPlace, 1+rng.IntN(6))
		for i := range places {
			places[i] = RoundPlace{ID: fmt.Sprintf("p%d", i), Skills: pick(), Seats: int32(rng.IntN(3))}
		}
		apps := make([]RoundApplication, 1+rng.IntN(12))
		for j := range apps {
			for _, p := range rng.Perm(len(places) + 1)[:1+rng.IntN(len(places))] {
				apps[j].Preferences = append(apps[j].Preferences, fmt.Sprintf("p%d", p)) // p<len> is closed
			}
			apps[j].Profile = matching.ApplicantProfile{Skills: pick(), CertificatesEarned: rng.IntN(3)}
		}
		plan := PlanRound(places, apps, rng.Uint64())
		res, err := matching.Match(plan.Input)
		require.NoError(t, err)
		stored := map[string]PlaceOutcome{}
		for i, p := range places {
			out := PlaceOutcome{Seats: plan.Input.Places[i].Capacity}
			if c := res.Cutoff[i]; c.Exists() {
				out.CutoffScore = score(c.Score)
			}
			stored[p.ID] = out
		}
		for j, a := range apps {
			offered := ""
			if p := res.Assigned[j]; p >= 0 {
				offered = places[p].ID
			}
			got := ExplainOutcome("r", a.Preferences, plan.Scores[j], offered, stored)
			want := res.Explain(plan.Input, j)
			var inRound []ExplainedPlace
			for _, h := range got.Higher {
				if h.InRound {
					inRound = append(inRound, h)
				}
			}
			require.Len(t, inRound, len(want.Higher), "round %d applicant %d", round, j)
			for k, w := range want.Higher {
				h := inRound[k]
				require.Equal(t, places[w.Place].ID, h.PlaceID)
				require.Equal(t, w.Score, h.Score)
				require.Equal(t, w.Full, h.Full)
				require.Equal(t, w.LostTieBreak, h.LostTieBreak)
				if w.Full && w.Capacity > 0 {
					require.Equal(t, w.LowestAdmittedScore, *h.LowestAdmittedScore)
				}
				require.Equal(t, Position(plan.Scores[j], w.Choice)+1, h.Rank)
			}
			if want.Offered < 0 {
				require.Nil(t, got.Offered)
				require.Len(t, got.Higher, len(a.Preferences), "unmatched: every preference is explained")
			} else {
				require.Equal(t, want.OfferedScore, got.Offered.Score)
				require.Equal(t, Position(plan.Scores[j], want.OfferedChoice)+1, got.Offered.Rank)
			}
		}
	}
}

func TestOfferReason(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	r := OfferReason("Data intern at Shopco", 2, at)
	require.Equal(t, msg.InternshipOfferMade, r.Code)
	require.Equal(t, map[string]any{"place": "Data intern at Shopco", "rank": int64(2), "expires": at.UTC()}, r.Params,
		"the place, the choice and the deadline, as typed parameters (the deadline kept in UTC)")
	require.Equal(t, msg.InternshipNoOffer, UnmatchedReason().Code)
	require.Equal(t, msg.InternshipOfferExpired, ExpiredReason().Code)
}
