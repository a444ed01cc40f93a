package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// declaredCodes reads the code constants of workflows/msg (codes.go and
// timeline.go) with go/parser: every string constant declared there is a
// code.
func declaredCodes(t *testing.T) map[string]string {
	t.Helper()
	codes := map[string]string{} // value → constant name
	for _, name := range []string{"codes.go", "timeline.go", "mail.go"} {
		collectCodes(t, "../../workflows/msg/"+name, codes)
	}
	require.Greater(t, len(codes), 100, "codes.go was read")
	return codes
}

// collectCodes adds the code constants of the Go file path to codes.
func collectCodes(t *testing.T, path string, codes map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	require.NoError(t, err)
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			require.Len(t, vs.Values, len(vs.Names), "every code constant has its own value")
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok && lit.Kind == token.STRING, "%s is not a string literal", name.Name)
				code, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				require.NotEmpty(t, vs.Doc.Text()+gd.Doc.Text(), "%s has no comment", name.Name)
				if other, dup := codes[code]; dup {
					t.Errorf("%s and %s are both %q", other, name.Name, code)
				}
				codes[code] = name.Name
			}
		}
	}
}

var codePattern = regexp.MustCompile(`^[a-z]+(\.[a-z][a-z0-9]*(_[a-z0-9]+)*)+$`)

func TestEveryCodeHasATemplateInEveryLanguage(t *testing.T) {
	codes := declaredCodes(t)
	for code, name := range codes {
		require.Regexp(t, codePattern, code, "%s: codes are dotted lower_snake names", name)
		for _, lang := range Langs {
			tmpl, ok := catalogs[lang][code]
			if !ok || strings.TrimSpace(tmpl) == "" {
				t.Errorf("%s (%s) has no %s template", name, code, lang)
			}
		}
	}
	for _, lang := range Langs {
		for code := range catalogs[lang] {
			if _, ok := codes[code]; !ok {
				t.Errorf("the %s catalog has %q, which is no code of workflows/msg", lang, code)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)(?::([a-z]+))?\}`)

// TestTemplatesAgreeOnParameters: each code's templates use the same
// parameters with the same kinds in every language, every kind is known,
// and no brace is left that is not a placeholder.
func TestTemplatesAgreeOnParameters(t *testing.T) {
	kinds := []string{"", "money", "time", "list", "state", "entity"}
	params := func(tmpl string) []string {
		var out []string
		for _, m := range placeholder.FindAllStringSubmatch(tmpl, -1) {
			require.Contains(t, kinds, m[2], "unknown kind in %q", tmpl)
			out = append(out, m[1]+":"+m[2])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for code, tmpl := range en {
		rest := placeholder.ReplaceAllString(tmpl, "")
		require.NotContains(t, rest, "{", "%s: a stray brace in %q", code, tmpl)
		for _, lang := range Langs[1:] {
			other := catalogs[lang][code]
			require.NotContains(t, placeholder.ReplaceAllString(other, ""), "{", "%s: a stray brace in %q", code, other)
			require.Equal(t, params(tmpl), params(other), "%s: %s and %s use other parameters", code, EN, lang)
		}
	}
}

// TestChineseHasNoEnglishSentences: the Chinese catalog says everything in
// Chinese; Latin letters appear only in names, units and examples.
func TestChineseHasNoEnglishSentences(t *testing.T) {
	allowed := regexp.MustCompile(`\{[a-z_:]+\}|https?|\(s\)|HTTP|JSON|RFC|MiB|API|Authorization: Bearer <token>|POST /api/v1/auth/login|X-Request-Id|application/json|tsinghua\.edu\.cn|[0-9]`)
	words := regexp.MustCompile(`[A-Za-z]{3,}`)
	for code, tmpl := range zh {
		rest := allowed.ReplaceAllString(tmpl, "")
		require.Empty(t, words.FindAllString(rest, -1), "%s: English in %q", code, tmpl)
	}
	for state, name := range zhStates {
		require.Empty(t, words.FindAllString(name, -1), "state %s", state)
	}
}

func TestRenderMoney(t *testing.T) {
	m := msg.New(msg.FundAmountOverCap, msg.Fen("max", 800_000))
	require.Equal(t, "The programme grants at most 8,000.00 yuan; ask for less.", NewPrinter(EN, nil).Render(m))
	require.Equal(t, "本项目每份资助最多 8,000.00 元，请降低申请金额。", NewPrinter(ZH, nil).Render(m))

	p := NewPrinter(EN, nil)
	for fen, want := range map[int64]string{
		0: "0.00 yuan", 5: "0.05 yuan", 100: "1.00 yuan", 123_456_789: "1,234,567.89 yuan", -150: "-1.50 yuan",
		-9_223_372_036_854_775_808: "-92,233,720,368,547,758.08 yuan",
	} {
		require.Equal(t, want, p.Money(fen))
	}
	require.Equal(t, "1,000.00 元", NewPrinter(ZH, nil).Money(100_000))
}

func TestRenderTime(t *testing.T) {
	at := time.Date(2026, 9, 1, 0, 30, 0, 0, time.UTC)
	m := msg.New(msg.FundNotOpen, msg.Time("opens_at", at))
	require.Equal(t, "The programme opens for applications on 2026-09-01 00:30 UTC.", NewPrinter(EN, nil).Render(m))

	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	require.Equal(t, "本项目将于 2026年9月1日 08:30（北京时间） 开放申请。", NewPrinter(ZH, shanghai).Render(m))
	require.Equal(t, "2026-08-31 20:30 UTC-04:00", NewPrinter(EN, time.FixedZone("EDT", -4*3600)).Time(at))
}

func TestRenderLists(t *testing.T) {
	m := msg.New(msg.OnboardingEmailDomain, msg.Texts("domains", []string{"pku.edu.cn", "stu.pku.edu.cn"}))
	require.Equal(t, "Use your college e-mail address, on one of your college's domains: pku.edu.cn, stu.pku.edu.cn.",
		NewPrinter(EN, nil).Render(m))
	require.Equal(t, "请使用学校邮箱，邮箱域名须为以下之一：pku.edu.cn、stu.pku.edu.cn。", NewPrinter(ZH, nil).Render(m))

	one := msg.New(msg.FieldOneOf, msg.Texts("values", []string{"approve", "reject"}))
	require.Equal(t, "must be one of: approve, reject", NewPrinter(EN, nil).Render(one))
	require.Equal(t, "须为以下之一：approve、reject", NewPrinter(ZH, nil).Render(one))
}

func TestRenderStatesAndNumbers(t *testing.T) {
	m := msg.New(msg.OnboardingNotVerified, msg.Text("status", "needs_info"))
	require.Equal(t, "Finish onboarding first: your student profile is waiting for more information, and only verified students may do this.",
		NewPrinter(EN, nil).Render(m))
	require.Equal(t, "请先完成学生认证：您的学生信息目前为“需补充资料”，只有已认证的学生才能进行此操作。", NewPrinter(ZH, nil).Render(m))

	// A year is a number, not an amount: no thousands separator.
	y := msg.New(msg.OnboardingYearInFuture, msg.Int("year", 2026))
	require.Equal(t, "The enrollment year cannot be after 2026.", NewPrinter(EN, nil).Render(y))
	require.Equal(t, "入学年份不能晚于 2026 年。", NewPrinter(ZH, nil).Render(y))
}

// TestRenderAfterJSON: a message stored as JSON (reasons in Postgres)
// renders as the one that was stored: numbers come back as float64, times
// as RFC 3339 strings and lists as []any.
func TestRenderAfterJSON(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for _, m := range []msg.Message{
		msg.New(msg.FundAmountOverCap, msg.Fen("max", 1_234_567)),
		msg.New(msg.FundClosed, msg.Time("closes_at", time.Date(2027, 6, 30, 15, 59, 59, 0, time.UTC))),
		msg.New(msg.OnboardingEmailDomain, msg.Texts("domains", []string{"a.edu.cn", "b.edu.cn"})),
		msg.New(msg.FundRejectedByReviews, msg.Int("rejections", 2), msg.Int("reviews", 3), msg.Int("required", 2)),
		msg.New(msg.ShopCodeNotFound, msg.Text("code", "CB-ABC"), msg.Text("url", "https://shop.example.com/1")),
	} {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		var back msg.Message
		require.NoError(t, json.Unmarshal(b, &back))
		for _, p := range []Printer{NewPrinter(EN, nil), NewPrinter(ZH, shanghai)} {
			require.Equal(t, p.Render(m), p.Render(back), string(b))
		}
	}
}

func TestRenderMissingParamsAndUnknownCodes(t *testing.T) {
	p := NewPrinter(EN, nil)
	require.Equal(t, "The programme grants at most …; ask for less.", p.Render(msg.New(msg.FundAmountOverCap)))
	require.Equal(t, "must be at most … characters", p.Render(msg.Message{Code: msg.FieldTooLong, Params: map[string]any{"min": 3}}))
	require.Equal(t, "above_cap", p.Render(msg.Message{Code: "above_cap"}), "a code without a template shows itself")
	require.Equal(t, "", p.Render(msg.Message{}))

	// Parameters of the wrong type still show something.
	odd := msg.Message{Code: msg.FundNotOpen, Params: map[string]any{"opens_at": "next spring"}}
	require.Equal(t, "The programme opens for applications on next spring.", p.Render(odd))
	odd = msg.Message{Code: msg.FundAmountOverCap, Params: map[string]any{"max": 12.5}}
	require.Equal(t, "The programme grants at most 12.5; ask for less.", p.Render(odd))
	odd = msg.Message{Code: msg.FieldOneOf, Params: map[string]any{"values": map[string]any{"a": 1}}}
	require.Equal(t, "must be one of: map[a:1]", p.Render(odd))
}

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]Lang{
		"":                              EN,
		"zh-CN,zh;q=0.9,en;q=0.8":       ZH,
		"en-US,en;q=0.9,zh-CN;q=0.8":    EN,
		"fr-FR, zh;q=0.5, en;q=0.4":     ZH,
		"de":                            EN,
		"en;q=0.2, zh-TW;q=0.7":         ZH,
		"zh;q=0, en;q=0.1":              EN,
		"ZH-Hans-CN":                    ZH,
		"zh;q=abc, en;q=0.3":            EN,
		"zh;level=1;q=0.9, en;q=0.8":    ZH,
		"en;q=1.5, zh;q=0.5":            ZH,
		"  en  ;  q=0.5  ,  zh ; q=0.4": EN,
	} {
		require.Equal(t, want, Negotiate(header, EN), "%q", header)
	}
	require.Equal(t, ZH, Negotiate("fr", ZH), "the fallback when neither is named")
}

func TestPrinterDefaults(t *testing.T) {
	var zero Printer
	require.Equal(t, EN, zero.Lang())
	require.Equal(t, "2026-01-02 03:04 UTC", zero.Time(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)))
	require.Equal(t, EN, NewPrinter("fr", nil).Lang(), "a language without a catalog prints English")
	require.Equal(t, map[string]string{"email": "须为电子邮件地址"},
		NewPrinter(ZH, nil).Fields(map[string]msg.Message{"email": msg.New(msg.FieldEmail)}))
}

// FuzzRender renders any code with any parameters, as they could come back
// from JSON, in both languages: it never panics and always says something
// for a code with a template.
func FuzzRender(f *testing.F) {
	f.Add(msg.FundAmountOverCap, `{"max": 800000}`)
	f.Add(msg.FundNotOpen, `{"opens_at": "2026-09-01T00:00:00Z"}`)
	f.Add(msg.OnboardingEmailDomain, `{"domains": ["a.edu.cn", null, 3, {"x": []}]}`)
	f.Add(msg.FieldOneOf, `{"values": "approve"}`)
	f.Add(msg.InternshipRoundActive, `{"status": 7, "round_id": null}`)
	f.Add("no.such_code", `{}`)
	f.Add(msg.FieldYuanRange, `{"min": -1e300, "max": 9.3e18}`)
	f.Fuzz(func(t *testing.T, code, params string) {
		var m msg.Message
		m.Code = code
		_ = json.Unmarshal([]byte(params), &m.Params)
		for _, p := range []Printer{NewPrinter(EN, nil), NewPrinter(ZH, time.FixedZone("CST", 8*3600))} {
			out := p.Render(m)
			if p.Has(code) && out == "" && strings.TrimSpace(catalogs[p.Lang()][code]) != "" {
				t.Fatalf("%s rendered nothing", code)
			}
		}
	})
}
