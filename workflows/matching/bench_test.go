package matching

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// skillVocabulary is the tag vocabulary of the synthetic instances.
var skillVocabulary = []string{
	"go", "python", "javascript", "sql", "excel", "marketing", "sales",
	"design", "figma", "copywriting", "accounting", "finance", "seo",
	"social media", "photography", "video", "logistics", "customer service",
	"negotiation", "public speaking", "data analysis", "product", "research",
	"operations",
}

// syntheticInput builds a realistic, deterministic round: nPlaces places of
// the given capacity, nApplicants applicants each listing listLen distinct
// places drawn with skewed popularity (place index ⌊u²·nPlaces⌋ for uniform
// u, so low indices are far more popular), scored with Score from random
// profiles (hence many tied scores).
func syntheticInput(seed uint64, nApplicants, nPlaces int, capacity int32, listLen int) Input {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pick := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = skillVocabulary[rng.IntN(len(skillVocabulary))]
		}
		return out
	}
	places := make([]Place, nPlaces)
	profiles := make([]PlaceProfile, nPlaces)
	for p := range places {
		places[p] = Place{Capacity: capacity}
		profiles[p] = PlaceProfile{Skills: pick(2 + rng.IntN(3))}
	}
	listLen = min(listLen, nPlaces)
	applicants := make([]Applicant, nApplicants)
	prefsSlab := make([]int32, nApplicants*listLen)
	scoresSlab := make([]int32, nApplicants*listLen)
	mark := make([]int, nPlaces)
	for a := range applicants {
		prof := ApplicantProfile{
			Skills:             pick(1 + rng.IntN(6)),
			CertificatesEarned: rng.IntN(8),
			VerifiedShop:       rng.IntN(10) < 3,
		}
		prefs := prefsSlab[a*listLen : (a+1)*listLen : (a+1)*listLen]
		scores := scoresSlab[a*listLen : (a+1)*listLen : (a+1)*listLen]
		for k := 0; k < listLen; {
			u := rng.Float64()
			p := int(u * u * float64(nPlaces))
			if mark[p] == a+1 {
				continue
			}
			mark[p] = a + 1
			prefs[k] = int32(p)
			scores[k] = Score(prof, profiles[p])
			k++
		}
		applicants[a] = Applicant{Prefs: prefs, Scores: scores}
	}
	return Input{Places: places, Applicants: applicants, Seed: seed}
}

// BenchmarkMatch measures Match on year-one sized rounds (capacity 1 per
// place, lists of 10, skewed popularity). Input construction is outside the
// timed loop.
func BenchmarkMatch(b *testing.B) {
	cases := []struct{ applicants, places int }{
		{100_000, 5_000},
		{10_000, 500},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("applicants=%d/places=%d", c.applicants, c.places), func(b *testing.B) {
			in := syntheticInput(1, c.applicants, c.places, 1, 10)
			b.ReportAllocs()
			var res Result
			for b.Loop() {
				var err error
				res, err = Match(in)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Proposals), "proposals/op")
		})
	}
}
