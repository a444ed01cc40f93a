package matching_test

import (
	"fmt"

	"github.com/campusbiz/campusbiz/workflows/matching"
)

func ExampleMatch() {
	// Two places with one seat each; the caller maps its IDs to indices.
	placeNames := []string{"Campus Coffee Co.", "PrintLab"}
	placeProfiles := []matching.PlaceProfile{
		{Skills: []string{"Sales", "Customer Service"}},
		{Skills: []string{"Design", "Figma"}},
	}
	students := []struct {
		name    string
		profile matching.ApplicantProfile
		ranks   []int32 // place indices, best first
	}{
		{"Ada", matching.ApplicantProfile{Skills: []string{"design"}, CertificatesEarned: 2}, []int32{0, 1}},
		{"Ben", matching.ApplicantProfile{Skills: []string{"sales", "customer service"}}, []int32{0}},
		{"Cleo", matching.ApplicantProfile{Skills: []string{"Figma"}, VerifiedShop: true}, []int32{1, 0}},
	}

	in := matching.Input{Places: []matching.Place{{Capacity: 1}, {Capacity: 1}}, Seed: 2025}
	for _, s := range students {
		a := matching.Applicant{Prefs: s.ranks}
		for _, p := range s.ranks {
			a.Scores = append(a.Scores, matching.Score(s.profile, placeProfiles[p]))
		}
		in.Applicants = append(in.Applicants, a)
	}

	res, err := matching.Match(in)
	if err != nil {
		panic(err)
	}
	for i, s := range students {
		e := res.Explain(in, i)
		if e.Offered < 0 {
			fmt.Printf("%s: no offer\n", s.name)
		} else {
			fmt.Printf("%s: %s (choice %d, score %d)\n", s.name, placeNames[e.Offered], e.OfferedChoice+1, e.OfferedScore)
		}
		for _, h := range e.Higher {
			fmt.Printf("  %s was full; lowest admitted score %d, yours %d\n", placeNames[h.Place], h.LowestAdmittedScore, h.Score)
		}
	}
	// Output:
	// Ada: PrintLab (choice 2, score 20)
	//   Campus Coffee Co. was full; lowest admitted score 20, yours 10
	// Ben: Campus Coffee Co. (choice 1, score 20)
	// Cleo: no offer
	//   PrintLab was full; lowest admitted score 20, yours 18
	//   Campus Coffee Co. was full; lowest admitted score 20, yours 8
}
