package app_test

import (
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/google/uuid"
)

// FuzzParseResults: whatever the file, the parser neither panics nor
// returns a row it did not check: every row it accepts has a canonical id,
// a score in range and a row number past the header, and a file with
// errors is never half accepted by a caller that checks them.
func FuzzParseResults(f *testing.F) {
	id := "0190f0f6-8a4c-7a3e-9f00-000000000001"
	for _, seed := range []string{
		"enrollment_id,score\n" + id + ",80\n",
		"\uFEFFenrollment_id,score\r\n" + id + ",100\r\n",
		"enrollment_id,score\n" + id + ",80\n" + id + ",70\n",
		"enrollment_id,score\n\"" + id + "\",\"-1\"\n",
		"enrollment_id,score\nx,y,z\n",
		"enrollment_id,score\n\"unterminated\n",
		"score,enrollment_id\n",
		"",
		"enrollment_id,score\n ,  \n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		rows, errs := app.ParseResults(strings.NewReader(file))
		if len(rows) == 0 && len(errs) == 0 {
			t.Fatal("neither rows nor errors")
		}
		if len(rows)+len(errs) > app.MaxImportRows+1 {
			t.Fatalf("%d rows and %d errors: more than the limit", len(rows), len(errs))
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.Row < 2 {
				t.Fatalf("row %d: the header is row 1", r.Row)
			}
			if u, err := uuid.Parse(r.EnrollmentID); err != nil || u.String() != r.EnrollmentID {
				t.Fatalf("row %d: id %q not canonical", r.Row, r.EnrollmentID)
			}
			if r.Score < 0 || r.Score > 100 {
				t.Fatalf("row %d: score %d out of range", r.Row, r.Score)
			}
			if seen[r.EnrollmentID] {
				t.Fatalf("row %d: %s accepted twice", r.Row, r.EnrollmentID)
			}
			seen[r.EnrollmentID] = true
		}
		for _, e := range errs {
			if e.Row < 1 || e.Msg.Code == "" {
				t.Fatalf("error without a row or code: %+v", e)
			}
		}
	})
}
