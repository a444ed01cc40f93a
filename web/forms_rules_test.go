package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestParseYuanIsExact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"0": 0, "1": 100, "0.01": 1, "0.1": 10, "5000": 500_000, "5000.5": 500_050, "5000.50": 500_050,
		" ¥12.34 ": 1234, "￥ 7": 700, "0.29": 29, "1.15": 115, "9999999999999.99": 999_999_999_999_999,
		"0000012.30": 1230,
	} {
		got, err := web.ParseYuan(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", ".", "1.", ".5", "1.234", "-1", "+1", "1e3", "1,000", "1 000", "abc", "١٢", "0x10",
		"10000000000000", "1.2.3", "¥", "NaN", "Inf"} {
		_, err := web.ParseYuan(in)
		require.Error(t, err, in)
	}
}

// FuzzParseYuan: whatever is typed, an accepted amount is the same fen as
// the decimal string read by hand, and it prints back to the same value.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"0", "0.01", "5000.50", "¥12.3", "9999999999999.99", "1.234", "-1", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := web.ParseYuan(s)
		if err != nil {
			return
		}
		require.GreaterOrEqual(t, fen, int64(0))
		yuan := strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
		back, err := web.ParseYuan(yuan)
		require.NoError(t, err, yuan)
		require.Equal(t, fen, back, "%q → %d → %q", s, fen, yuan)
	})
}

func TestRankingFormSkipsBlankChoicesAndSplitsSkills(t *testing.T) {
	t.Parallel()
	u := newUseCases(t)
	places := u.openPlaces(t, 2)
	a, b := places[0], places[1]
	posted := url.Values{"preferences": {"", a, " ", b, ""}, "skills": {"Go， SQL;直播\n 摄影 、"}, "csrf": {"x"}}
	form := web.RankingForm(posted)
	require.Equal(t, []string{a, b}, form["preferences"])
	var in app.InternshipInput
	require.Nil(t, web.DecodeForm(form, &in))
	require.Equal(t, []string{a, b}, in.Preferences)
	require.Equal(t, []string{"Go", "SQL", "直播", "摄影"}, in.Skills)
	require.Equal(t, []string{"", a, " ", b, ""}, posted["preferences"], "the posted form is not changed")

	// No skills typed is an empty list, which the use case takes.
	in = app.InternshipInput{}
	require.Nil(t, web.DecodeForm(web.RankingForm(url.Values{"preferences": {a}}), &in))
	require.NotNil(t, in.Skills)
	require.Empty(t, in.Skills)
	require.Nil(t, u.check(t, &in))

	// Eleven choices break the rule.
	eleven := url.Values{}
	for i := range 11 {
		eleven.Add("preferences", "6f1e2d3c-0000-4000-8000-0000000000"+strconv.Itoa(10+i))
	}
	in = app.InternshipInput{}
	require.Nil(t, web.DecodeForm(web.RankingForm(eleven), &in))
	require.Equal(t, msg.New(msg.FieldTooMany, msg.Int("max", 10)), u.check(t, &in)["preferences"])
}

func TestRFC3339FormReadsDatetimeLocalAsUTC(t *testing.T) {
	t.Parallel()
	form := url.Values{"opens_at": {"2026-09-01T08:30"}, "closes_at": {"2027-06-30T23:59:59+08:00"}, "x": {"2026-09-01T08:30"}}
	web.RFC3339Form(form, "opens_at", "closes_at", "missing")
	require.Equal(t, "2026-09-01T08:30:00Z", form.Get("opens_at"))
	require.Equal(t, "2027-06-30T23:59:59+08:00", form.Get("closes_at"), "an RFC 3339 time stays")
	require.Equal(t, "2026-09-01T08:30", form.Get("x"), "other fields stay")
	require.NotContains(t, form, "missing")
}

func TestActionsFollowTheStateMachines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, status string
		want         []string
	}{
		{"shop", "rejected", []string{"/shops/id/recheck"}},
		{"shop", "pending", nil},
		{"shop", "verified", nil},
		{"fund", "submitted", []string{"/fund/id/withdraw"}},
		{"fund", "approved", []string{"/fund/id/withdraw"}},
		{"fund", "disbursed", nil},
		{"fund", "withdrawn", nil},
		{"internship", "offered", []string{"/internships/id/accept", "/internships/id/decline"}},
		{"internship", "pending", nil},
		{"enrollment", "enrolled", nil},
	} {
		var got []string
		for _, a := range web.Actions(tc.kind, "id", tc.status) {
			got = append(got, a.Path)
		}
		require.Equal(t, tc.want, got, "%s %s", tc.kind, tc.status)
	}
}

// TestEveryTemplateTextIsInBothLanguages: each catalog key a template names
// has an English and a Chinese text (an unknown key shows itself).
func TestEveryTemplateTextIsInBothLanguages(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	key := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	seen := 0
	for _, name := range names {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		for _, m := range key.FindAllSubmatch(b, -1) {
			k := string(m[1])
			seen++
			require.NotEqual(t, k, web.Text(web.LangEN, k), "%s: %s has no English text", name, k)
			require.NotEqual(t, k, web.Text(web.LangZH, k), "%s: %s has no Chinese text", name, k)
		}
	}
	require.Greater(t, seen, 100)
	for _, k := range []string{"shop.recheck", "fund.withdraw", "internship.accept", "internship.decline"} {
		require.NotEqual(t, k, web.Text(web.LangZH, k), "action %s", k)
	}
}

// FuzzRankingForm: any posted ranking form reads without panicking into
// the use case's input, with no blank choice, only choices that were
// posted, in their order, and no blank skill; the use case then answers it
// without a server error.
func FuzzRankingForm(f *testing.F) {
	f.Add("preferences=&preferences=6f1e2d3c-0000-4000-8000-000000000001&skills=Go%EF%BC%8CSQL")
	f.Add("preferences=x&preferences=x&skills=%0A%0A%E3%80%81")
	f.Add("skills=a;b;c&csrf=t&preferences=%20")
	u := newUseCases(f)
	f.Fuzz(func(t *testing.T, raw string) {
		posted, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		var in app.InternshipInput
		require.Nil(t, web.DecodeForm(web.RankingForm(posted), &in))
		i := 0
		for _, p := range posted["preferences"] {
			// As the form reads a value: UTF-8 (U+FFFD for other bytes), trimmed.
			if i < len(in.Preferences) && in.Preferences[i] == strings.TrimSpace(strings.ToValidUTF8(p, "\uFFFD")) {
				i++
			}
		}
		require.Equal(t, len(in.Preferences), i, "the choices keep their order")
		for _, p := range in.Preferences {
			require.NotEmpty(t, p)
		}
		for _, s := range in.Skills {
			require.NotEmpty(t, strings.TrimSpace(s))
		}
		u.check(t, &in)
	})
}
