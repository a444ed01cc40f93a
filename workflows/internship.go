package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/workflows/matching"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/google/uuid"
)

// Internship application states.
const (
	InternshipPending   = "pending"
	InternshipOffered   = "offered"
	InternshipAccepted  = "accepted"
	InternshipDeclined  = "declined"
	InternshipUnmatched = "unmatched"
)

// InternshipMachine is the internship application's workflow. A round moves
// pending and unmatched applications to offered or unmatched (unmatched ones
// take part in the next round again); the applicant accepts or declines an
// offer, and an offer left unanswered expires as declined.
var InternshipMachine = Machine{
	Entity:  "internship",
	Initial: InternshipPending,
	Transitions: map[string][]string{
		InternshipPending:   {InternshipOffered, InternshipUnmatched},
		InternshipUnmatched: {InternshipOffered, InternshipUnmatched},
		InternshipOffered:   {InternshipAccepted, InternshipDeclined},
	},
	Final: []string{InternshipAccepted, InternshipDeclined},
}

// Match round statuses.
const (
	RoundQueued  = "queued"
	RoundRunning = "running"
	RoundDone    = "done"
	RoundFailed  = "failed"
)

// MatchRoundMachine is a matching round's life. At most one round is
// queued or running at a time (a partial unique index).
var MatchRoundMachine = Machine{
	Entity:  "match_round",
	Initial: RoundQueued,
	Transitions: map[string][]string{
		RoundQueued:  {RoundRunning, RoundFailed},
		RoundRunning: {RoundDone, RoundFailed},
	},
	Final: []string{RoundDone, RoundFailed},
}

// Internship place statuses.
const (
	PlaceOpen   = "open"
	PlaceClosed = "closed"
)

// Round triggers.
const (
	TriggerAdmin    = "admin"
	TriggerSchedule = "schedule"
)

// Application limits.
const (
	// MaxPreferences is how many places an application may rank.
	MaxPreferences = 10
)

// TypeInternshipExpireOffers expires a round's unanswered offers.
const TypeInternshipExpireOffers = "internship:expire_offers"

// InternshipMatchPayload names the round to run.
type InternshipMatchPayload struct {
	RoundID string `json:"round_id"`
}

// NewInternshipMatchTask runs the matching round roundID. A round of
// 100,000 applicants takes seconds; the timeout leaves ample room.
func NewInternshipMatchTask(roundID string) Task {
	return Task{
		Type:     TypeInternshipMatch,
		Payload:  InternshipMatchPayload{RoundID: roundID},
		Queue:    QueueLow,
		MaxRetry: 5,
		Timeout:  15 * time.Minute,
	}
}

// InternshipExpireOffersPayload names the round whose offers expire.
type InternshipExpireOffersPayload struct {
	RoundID string `json:"round_id"`
}

// NewInternshipExpireOffersTask expires the unanswered offers of round
// roundID at at.
func NewInternshipExpireOffersTask(roundID string, at time.Time) Task {
	return Task{
		Type:      TypeInternshipExpireOffers,
		Payload:   InternshipExpireOffersPayload{RoundID: roundID},
		Queue:     QueueLow,
		ProcessAt: at,
		MaxRetry:  20,
		Timeout:   5 * time.Minute,
	}
}

// InternshipForm is an application: places best first and the applicant's
// skills, already checked for shape by the caller.
type InternshipForm struct {
	Preferences []string
	Skills      []string
}

// Normalize returns the form with canonical place ids and tidy skills, or
// a validation error naming the field: 1 to MaxPreferences places, each an
// id listed once.
func (f InternshipForm) Normalize() (InternshipForm, error) {
	if len(f.Preferences) == 0 || len(f.Preferences) > MaxPreferences {
		return InternshipForm{}, Invalid("preferences", msg.InternshipPreferencesCount, msg.Int("max", MaxPreferences))
	}
	prefs := make([]string, len(f.Preferences))
	for i, raw := range f.Preferences {
		id, err := uuid.Parse(raw)
		if err != nil {
			return InternshipForm{}, Invalid("preferences", msg.InternshipPreferenceNotID, msg.Int("item", int64(i+1)))
		}
		prefs[i] = id.String()
		for _, earlier := range prefs[:i] {
			if earlier == prefs[i] {
				return InternshipForm{}, Invalid("preferences", msg.InternshipPreferenceRepeated, msg.Int("item", int64(i+1)))
			}
		}
	}
	return InternshipForm{Preferences: prefs, Skills: NormalizeSkills(f.Skills)}, nil
}

// NormalizeSkills trims skill tags, drops blank ones and keeps the first
// spelling of tags that differ only in case, in order. Scoring compares
// skills the same way (matching.Score), so nothing that scores is lost.
func NormalizeSkills(skills []string) []string {
	out := make([]string, 0, len(skills))
	for _, s := range skills {
		s = strings.TrimSpace(s)
		if s == "" || containsFold(out, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// RoundPlace is an open place as a round sees it.
type RoundPlace struct {
	ID     string
	Skills []string
	// Seats are the seats not held by earlier offers (capacity minus
	// offered and accepted applications).
	Seats int32
}

// RoundApplication is a pending or unmatched application as a round sees it.
type RoundApplication struct {
	ID          string
	AccountID   string
	Status      string
	Preferences []string
	// Profile is what the places score: skills, certificates earned and
	// whether the applicant runs a verified shop.
	Profile matching.ApplicantProfile
}

// NotInRound is the score recorded for a preference whose place was not
// open when the round ran.
const NotInRound = -1

// RoundPlan is a round's input to matching.Match, with the scores of every
// preference kept for the record.
type RoundPlan struct {
	Input matching.Input
	// Scores parallels each application's Preferences: the score the place
	// gave it, or NotInRound. Input's lists are these without NotInRound.
	Scores [][]int32
}

// PlanRound turns a round's places and applications into the matching
// input: place i is places[i], applicant j is apps[j], each applicant's
// list keeps the order of its preferences but drops places not open in the
// round, and every listed place scores the applicant with matching.Score.
func PlanRound(places []RoundPlace, apps []RoundApplication, seed uint64) RoundPlan {
	index := make(map[string]int32, len(places))
	profiles := make([]matching.PlaceProfile, len(places))
	in := matching.Input{Places: make([]matching.Place, len(places)), Applicants: make([]matching.Applicant, len(apps)), Seed: seed}
	for i, p := range places {
		index[p.ID] = int32(i)
		in.Places[i] = matching.Place{Capacity: max(p.Seats, 0)}
		profiles[i] = matching.PlaceProfile{Skills: p.Skills}
	}
	total := 0
	for _, a := range apps {
		total += len(a.Preferences)
	}
	// Three slabs instead of three slices per applicant.
	prefSlab, scoreSlab, fullSlab := make([]int32, 0, total), make([]int32, 0, total), make([]int32, total)
	plan := RoundPlan{Input: in, Scores: make([][]int32, len(apps))}
	off := 0
	for j, a := range apps {
		full := fullSlab[off : off+len(a.Preferences) : off+len(a.Preferences)]
		off += len(a.Preferences)
		start := len(prefSlab)
		for k, id := range a.Preferences {
			p, ok := index[id]
			if !ok {
				full[k] = NotInRound
				continue
			}
			full[k] = matching.Score(a.Profile, profiles[p])
			prefSlab = append(prefSlab, p)
			scoreSlab = append(scoreSlab, full[k])
		}
		end := len(prefSlab)
		plan.Input.Applicants[j] = matching.Applicant{Prefs: prefSlab[start:end:end], Scores: scoreSlab[start:end:end]}
		plan.Scores[j] = full
	}
	return plan
}

// Position is the 0-based position in the full preference list of the
// choice-th place that took part in the round (choice counts only places
// whose score is not NotInRound), or -1.
func Position(scores []int32, choice int) int {
	if choice < 0 {
		return -1
	}
	for k, s := range scores {
		if s == NotInRound {
			continue
		}
		if choice == 0 {
			return k
		}
		choice--
	}
	return -1
}

// PlaceOutcome is what a round recorded about one place: the seats it had
// and, when it filled up, the score of the lowest-ranked applicant it
// admitted (nil when a seat stayed free).
type PlaceOutcome struct {
	Seats       int32
	CutoffScore *int32
}

// InternshipExplanation tells an applicant why a round gave them what it
// did: the place offered, and for every place they ranked above it (all of
// them when unmatched) why it did not admit them.
type InternshipExplanation struct {
	RoundID string `json:"round_id"`
	// Offered is the place offered in the round; nil when unmatched.
	Offered *ExplainedPlace `json:"offered"`
	// Higher are the places ranked above the offer, best first.
	Higher []ExplainedPlace `json:"higher"`
	// Outcome says what the round gave: msg.InternshipOffered {rank} or
	// msg.InternshipUnmatched. The edge writes the summary from it and the
	// places' reasons.
	Outcome msg.Message `json:"outcome"`
}

// ExplainedPlace is one ranked place in an explanation.
type ExplainedPlace struct {
	PlaceID string `json:"place_id"`
	// Rank is the place's position in the applicant's list, 1 = first choice.
	Rank int `json:"rank"`
	// InRound is false when the place was closed at the time of the round.
	InRound bool `json:"in_round"`
	// Score is the score the place gave the applicant.
	Score int32 `json:"score"`
	// Seats are the seats the place had free in the round.
	Seats int32 `json:"seats"`
	// Full is true when every free seat went to applicants ranked higher.
	Full bool `json:"full"`
	// LowestAdmittedScore is the score of the lowest-ranked applicant the
	// place admitted; nil when it admitted nobody.
	LowestAdmittedScore *int32 `json:"lowest_admitted_score"`
	// LostTieBreak is true when the applicant's score equalled the lowest
	// admitted score and the round's lottery draw decided.
	LostTieBreak bool `json:"lost_tie_break"`
	// Reason says why, with the place's rank: msg.InternshipOffered,
	// msg.InternshipPlaceClosed, msg.InternshipPlaceNoSeat,
	// msg.InternshipPlaceTieBreak or msg.InternshipPlaceOutscored.
	Reason msg.Message `json:"reason"`
}

// ExplainOutcome explains one application's outcome in a round from what
// the round stored: its preferences, the scores (parallel to them, with
// NotInRound), the place offered ("" when unmatched) and the outcome of the
// places it ranked. It reuses matching's Explain on the applicant's own
// part of the round.
func ExplainOutcome(roundID string, prefs []string, scores []int32, offered string, places map[string]PlaceOutcome) InternshipExplanation {
	inRound := func(k int) bool {
		_, ok := places[prefs[k]]
		return ok && k < len(scores) && scores[k] != NotInRound
	}
	// The applicant's own sub-problem: its in-round places, indexed 0..n-1,
	// with the cutoffs the round recorded (only their score is read).
	var in matching.Input
	res := matching.Result{Assigned: []int32{-1}}
	var me matching.Applicant
	for k, id := range prefs {
		if !inRound(k) {
			continue
		}
		out := places[id]
		p := int32(len(in.Places))
		in.Places = append(in.Places, matching.Place{Capacity: out.Seats})
		cutoff := matching.Rank{Applicant: -1}
		if out.CutoffScore != nil {
			cutoff = matching.Rank{Score: *out.CutoffScore}
		}
		res.Cutoff = append(res.Cutoff, cutoff)
		me.Prefs, me.Scores = append(me.Prefs, p), append(me.Scores, scores[k])
		if id == offered {
			res.Assigned[0] = p
		}
	}
	in.Applicants = []matching.Applicant{me}
	e := res.Explain(in, 0)

	out := InternshipExplanation{RoundID: roundID, Higher: []ExplainedPlace{}}
	next := 0 // the next of e.Higher to place
	for k, id := range prefs {
		if id == offered {
			out.Offered = &ExplainedPlace{PlaceID: id, Rank: k + 1, InRound: true, Score: e.OfferedScore,
				Seats: places[id].Seats, Reason: msg.New(msg.InternshipOffered, msg.Int("rank", int64(k+1)))}
			break
		}
		if !inRound(k) {
			out.Higher = append(out.Higher, ExplainedPlace{PlaceID: id, Rank: k + 1,
				Reason: msg.New(msg.InternshipPlaceClosed, msg.Int("rank", int64(k+1)))})
			continue
		}
		h := e.Higher[next]
		next++
		x := ExplainedPlace{PlaceID: id, Rank: k + 1, InRound: true, Score: h.Score, Seats: h.Capacity, Full: h.Full,
			LostTieBreak: h.LostTieBreak}
		rank := msg.Int("rank", int64(k+1))
		switch {
		case h.Capacity == 0:
			x.Reason = msg.New(msg.InternshipPlaceNoSeat, rank)
		case h.LostTieBreak:
			x.LowestAdmittedScore = &h.LowestAdmittedScore
			x.Reason = msg.New(msg.InternshipPlaceTieBreak, rank, msg.Int("lowest", int64(h.LowestAdmittedScore)))
		default:
			x.LowestAdmittedScore = &h.LowestAdmittedScore
			x.Reason = msg.New(msg.InternshipPlaceOutscored, rank, msg.Int("lowest", int64(h.LowestAdmittedScore)),
				msg.Int("score", int64(h.Score)))
		}
		out.Higher = append(out.Higher, x)
	}
	out.Outcome = msg.New(msg.InternshipUnmatched)
	if out.Offered != nil {
		out.Outcome = out.Offered.Reason
	}
	return out
}

// OfferReason is the event and notification text of an offer of place
// ("title at company"), the applicant's choice rank (1 = first).
func OfferReason(place string, rank int, expires time.Time) string {
	return fmt.Sprintf("You are offered %s (your choice %d). Accept or decline it by %s; after that it lapses and the place goes back to the next round.",
		place, rank, expires.UTC().Format(time.RFC3339))
}

// UnmatchedReason is the event and notification text of an applicant who
// got no offer in a round.
const UnmatchedReason = "No offer in this round: every place you ranked was filled by applicants with higher scores, or was closed. " +
	"You stay in the next round; your application explains each place."

// ExpiredReason is the event and notification text of a lapsed offer.
const ExpiredReason = "The offer was not answered in time and has lapsed; the place goes back to the next round. You may apply again."
