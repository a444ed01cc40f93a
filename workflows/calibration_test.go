package workflows

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// kendallTau is Kendall's tau-a between two rankings of the same items
// (higher value: ranked higher): concordant minus discordant pairs over
// all pairs.
func kendallTau(a, b map[string]float64) float64 {
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	var conc, disc, pairs float64
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			x := (a[ids[i]] - a[ids[j]]) * (b[ids[i]] - b[ids[j]])
			switch {
			case x > 0:
				conc++
			case x < 0:
				disc++
			}
			pairs++
		}
	}
	return (conc - disc) / pairs
}

// panel simulates a programme: apps applications of true merit uniform in
// [3, 9], each reviewed by perApp of reviewers reviewers chosen at random;
// reviewer 0 scores harsh points lower; every score has Gaussian noise of
// sd noise and is rounded to a whole point in 1 to 10, as reviewers score.
func panel(rng *rand.Rand, apps, reviewers, perApp int, harsh, noise float64) ([]ReviewScore, map[string]float64) {
	truth := map[string]float64{}
	var scores []ReviewScore
	for a := range apps {
		id := fmt.Sprintf("app-%03d", a)
		truth[id] = 3 + 6*rng.Float64()
		for _, r := range rng.Perm(reviewers)[:perApp] {
			s := truth[id] + noise*rng.NormFloat64()
			if r == 0 {
				s -= harsh
			}
			scores = append(scores, ReviewScore{ReviewerID: fmt.Sprintf("rev-%d", r), ApplicationID: id,
				Score: math.Max(1, math.Min(10, math.Round(s)))})
		}
	}
	return scores, truth
}

// TestCalibrationAgreesBetterWithTheTruth: in simulated programmes where
// one reviewer scores a point harsher, the calibrated ranking agrees
// better with the true one (Kendall tau) than the raw ranking does, on
// average and in most programmes; and the harsh reviewer's offset comes
// out near -1.
func TestCalibrationAgreesBetterWithTheTruth(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(14, 2026))
	const trials = 200
	var rawSum, calSum, harshSum float64
	wins, losses := 0, 0
	for range trials {
		scores, truth := panel(rng, 40, 6, 3, 1, 0.7)
		sev, ranked := Calibrate(scores)
		raw, cal := map[string]float64{}, map[string]float64{}
		for _, c := range ranked {
			raw[c.ApplicationID], cal[c.ApplicationID] = c.Raw, c.Calibrated
		}
		rt, ct := kendallTau(raw, truth), kendallTau(cal, truth)
		rawSum, calSum = rawSum+rt, calSum+ct
		switch {
		case ct > rt:
			wins++
		case ct < rt:
			losses++
		}
		require.Equal(t, "rev-0", sev[0].ReviewerID)
		harshSum += sev[0].Offset
	}
	rawTau, calTau, harsh := rawSum/trials, calSum/trials, harshSum/trials
	t.Logf("mean Kendall tau against the truth over %d programmes: raw %.3f, calibrated %.3f (calibrated better in %d, worse in %d); harsh reviewer's mean offset %.2f",
		trials, rawTau, calTau, wins, losses, harsh)
	require.Greater(t, calTau, rawTau)
	require.Greater(t, wins, 2*losses, "calibration helps in most programmes")
	require.InDelta(t, -1, harsh, 0.35, "the harsh reviewer is found about a point harsh")
}

func TestCalibrate(t *testing.T) {
	t.Parallel()
	t.Run("nothing to calibrate", func(t *testing.T) {
		sev, ranked := Calibrate(nil)
		require.Empty(t, sev)
		require.Empty(t, ranked)
	})
	t.Run("an even panel changes nothing", func(t *testing.T) {
		scores := []ReviewScore{{"r1", "a", 8}, {"r2", "a", 8}, {"r1", "b", 5}, {"r2", "b", 5}}
		sev, ranked := Calibrate(scores)
		for _, s := range sev {
			require.InDelta(t, 0, s.Offset, 1e-9)
		}
		require.Equal(t, "a", ranked[0].ApplicationID)
		require.InDelta(t, 8, ranked[0].Calibrated, 1e-9)
		require.InDelta(t, 5, ranked[1].Raw, 1e-9)
	})
	t.Run("a harsh reviewer's application is lifted past a lenient one's", func(t *testing.T) {
		// h scores everything 2 lower than l on the shared applications; x
		// was reviewed by h alone and y by l alone, with raw 6 and 7.
		scores := []ReviewScore{
			{"h", "s1", 5}, {"l", "s1", 7}, {"h", "s2", 6}, {"l", "s2", 8}, {"h", "s3", 4}, {"l", "s3", 6},
			{"h", "x", 6}, {"l", "y", 7},
		}
		sev, ranked := Calibrate(scores)
		require.Less(t, sev[0].Offset, -0.5, "h is harsh")
		require.Greater(t, sev[1].Offset, 0.5, "l is lenient")
		pos := map[string]int{}
		for i, c := range ranked {
			pos[c.ApplicationID] = i
		}
		require.Less(t, pos["x"], pos["y"], "x (6 from the harsh reviewer) outranks y (7 from the lenient one)")
	})
}
