package i18n

import (
	"testing"

	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// TestEnglishPlurals: English templates agree with their count (also
// after a JSON round trip); Chinese has one form.
func TestEnglishPlurals(t *testing.T) {
	en, zh := NewPrinter(EN, nil), NewPrinter(ZH, nil)
	few := func(n any) msg.Message { return msg.Message{Code: msg.FieldTooFew, Params: map[string]any{"min": n}} }
	require.Equal(t, "must have at least 1 item", en.Render(few(1)))
	require.Equal(t, "must have at least 1 item", en.Render(few(float64(1))))
	require.Equal(t, "must have at least 2 items", en.Render(few(2)))
	require.Equal(t, "must have at least 0 items", en.Render(few(0)))
	require.Equal(t, "must have at least … items", en.Render(msg.Message{Code: msg.FieldTooFew}))
	require.Equal(t, "至少选择 1 项", zh.Render(few(1)))
	require.Equal(t, "2 of 3 reviews rejected the application; it needed 1 approval.",
		en.Render(msg.New(msg.FundRejectedByReviews, msg.Int("rejections", 2), msg.Int("reviews", 3), msg.Int("required", 1))))
}

// TestPluralFormsAgree: each English singular form belongs to a code of
// the catalog, counts a parameter its template has, and names the same
// parameters with the same kinds.
func TestPluralFormsAgree(t *testing.T) {
	for code, form := range plurals {
		tmpl, ok := catalogs[EN][code]
		require.True(t, ok, "%s has no English template", code)
		require.ElementsMatch(t, placeholder.FindAllString(tmpl, -1), placeholder.FindAllString(form.one, -1), code)
		require.Contains(t, tmpl, "{"+form.param+"}", code)
		require.NotEqual(t, tmpl, form.one, code)
	}
}

// TestCatalogLoads: every template of every language loads into the x/text
// catalog and comes back as written (with its placeholders unfilled).
func TestCatalogLoads(t *testing.T) {
	for _, lang := range Langs {
		p := NewPrinter(lang, nil)
		for code, tmpl := range catalogs[lang] {
			got := p.Render(msg.Message{Code: code})
			require.NotContains(t, got, "%!", "%s %s", lang, code)
			if _, plural := plurals[code]; !plural || lang != EN {
				require.Equal(t, placeholder.ReplaceAllString(tmpl, Missing), got, "%s %s", lang, code)
			}
		}
	}
}

// TestPercentIsText: a "%" in a template is printed as written.
func TestPercentIsText(t *testing.T) {
	b := catalog.NewBuilder()
	require.NoError(t, set(b, EN, "x.percent", "at most 50% of {max}"))
	require.Equal(t, "at most 50% of {max}", message.NewPrinter(language.English, message.Catalog(b)).Sprintf("x.percent"))
}

// TestEveryStateIsNamed: every state of every workflow machine has a
// Chinese name, and its English name is words, not a code ("in_review").
func TestEveryStateIsNamed(t *testing.T) {
	machines := []engine.Machine{workflows.OnboardingMachine, workflows.ShopMachine, workflows.FundMachine,
		workflows.InternshipMachine, workflows.MatchRoundMachine, workflows.EnrollmentMachine, workflows.CertificateMachine}
	en, zh := NewPrinter(EN, nil), NewPrinter(ZH, nil)
	for _, m := range machines {
		all := append([]string{m.Initial}, m.Final...)
		for from, tos := range m.Transitions {
			all = append(all, from)
			all = append(all, tos...)
		}
		for _, state := range all {
			_, ok := zhStates[state]
			require.True(t, ok, "%s state %q has no Chinese name", m.Entity, state)
			require.NotContains(t, en.State(state), "_", "%s state %q", m.Entity, state)
			require.NotEqual(t, state, zh.State(state))
		}
	}
}

// TestTexts: fixed texts come back as written in each language, printf
// verbs included; an unknown key shows itself.
func TestTexts(t *testing.T) {
	texts, err := NewTexts(map[string][2]string{"nav.unread": {"%d unread", "%d 条未读"}, "x.half": {"50% off", "五折"}})
	require.NoError(t, err)
	require.Equal(t, "%d unread", texts.Text(EN, "nav.unread"))
	require.Equal(t, "%d 条未读", texts.Text(ZH, "nav.unread"))
	require.Equal(t, "50% off", texts.Text(EN, "x.half"))
	require.Equal(t, "五折", texts.Text(ZH, "x.half"))
	require.Equal(t, "50% off", texts.Text("fr", "x.half"), "English for a language without a catalog")
	require.Equal(t, "x.none", texts.Text(ZH, "x.none"))
}

// BenchmarkRender renders a reason with an amount and a field message
// with a plural, through the x/text catalog, in each language.
func BenchmarkRender(b *testing.B) {
	over := msg.New(msg.FundAmountOverCap, msg.Fen("max", 2_000_000))
	few := msg.Message{Code: msg.FieldTooFew, Params: map[string]any{"min": 1}}
	for _, lang := range Langs {
		p := NewPrinter(lang, nil)
		b.Run(string(lang), func(b *testing.B) {
			for b.Loop() {
				_ = p.Render(over)
				_ = p.Render(few)
			}
		})
	}
}
