package workflows

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/campusbiz/campusbiz/workflows/matching"
)

// BenchmarkPlanRound measures building a year-one round's matching input:
// mapping 1,000,000 preferences to places and scoring each with
// matching.Score. Run with:
//
//	go test -run '^$' -bench BenchmarkPlanRound -benchmem ./workflows/
func BenchmarkPlanRound(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	tags := []string{"go", "python", "sql", "excel", "marketing", "sales", "design", "figma", "seo", "video", "logistics", "operations"}
	pick := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = tags[rng.IntN(len(tags))]
		}
		return out
	}
	places := make([]RoundPlace, 5_000)
	for i := range places {
		places[i] = RoundPlace{ID: fmt.Sprintf("place-%05d", i), Skills: pick(2 + rng.IntN(3)), Seats: 1}
	}
	apps := make([]RoundApplication, 100_000)
	for j := range apps {
		prefs := make([]string, 10)
		for k := range prefs {
			u := rng.Float64()
			prefs[k] = places[int(u*u*float64(len(places)))].ID
		}
		apps[j] = RoundApplication{Preferences: prefs,
			Profile: matching.ApplicantProfile{Skills: pick(1 + rng.IntN(5)), CertificatesEarned: rng.IntN(4)}}
	}
	b.ReportAllocs()
	for b.Loop() {
		PlanRound(places, apps, 1)
	}
}
