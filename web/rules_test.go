package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestChooseLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "", web.LangZH},
		{"", "en-US,en;q=0.9", web.LangEN},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", web.LangZH},
		{"", "en;q=0.5, zh-TW;q=0.8", web.LangZH},
		{"", "fr, en;q=0.1", web.LangEN},
		{"", "en;q=x", web.LangEN},
		{"en", "zh-CN", web.LangEN},
		{"xx", "en", web.LangEN},
	} {
		require.Equal(t, tc.want, web.ChooseLanguage(tc.choice, tc.accept), "%q %q", tc.choice, tc.accept)
	}
}

// TestAPIFieldMessagesReadInBothLanguages: the use cases' rules (the
// API's too) answer codes, which a page renders in its own language.
func TestAPIFieldMessagesReadInBothLanguages(t *testing.T) {
	t.Parallel()
	u := newUseCases(t)
	fields := u.check(t, &app.OnboardingInput{EnrollmentYear: 1900, Phone: "12345", FullName: strings.Repeat("名", 101)})
	zh, en := i18n.NewPrinter(i18n.ZH, nil), i18n.NewPrinter(i18n.EN, nil)
	for field, want := range map[string][2]string{
		"college_id":      {"is required", "必填"},
		"phone":           {"must be a mainland mobile number such as 13812345678", "须为中国大陆手机号，例如 13812345678"},
		"full_name":       {"must be at most 100 characters", "最多 100 个字符"},
		"enrollment_year": {"must be at least 1950", "不能小于 1950"},
	} {
		require.Equal(t, want[0], en.Render(fields[field]), field)
		require.Equal(t, want[1], zh.Render(fields[field]), field)
	}
}

// TestDecodeFormUsesTheAPIRules: DecodeForm reports only values of the
// wrong type; the use case then checks the rest by the rules the API's
// body is checked by.
func TestDecodeFormUsesTheAPIRules(t *testing.T) {
	t.Parallel()
	var in app.OnboardingInput
	problems := web.DecodeForm(url.Values{"enrollment_year": {"twenty"}, "full_name": {"  张三 "}, "csrf": {"x"}}, &in)
	require.Equal(t, map[string]msg.Message{"enrollment_year": msg.New(msg.FieldWholeNumber)}, problems)
	require.Equal(t, "张三", in.FullName)
	// Bytes that are not UTF-8 read as U+FFFD, as the API's JSON decoder reads them.
	in = app.OnboardingInput{}
	require.Nil(t, web.DecodeForm(url.Values{"full_name": {"张\xff\xfe三"}, "major": {"\xc3"}}, &in))
	require.Equal(t, "张\uFFFD三", in.FullName)
	require.Equal(t, "\uFFFD", in.Major)

	u := newUseCases(t)
	in = app.OnboardingInput{}
	require.Nil(t, web.DecodeForm(url.Values{"enrollment_year": {"2023"}, "phone": {"12345"}}, &in))
	fields := u.check(t, &in)
	require.Equal(t, msg.New(msg.FieldMobile, msg.Text("example", "13812345678")), fields["phone"])
	require.Equal(t, msg.New(msg.FieldRequired), fields["college_id"])
	require.NotContains(t, fields, "enrollment_year")
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/reviews": "/reviews", "": "/x", "//evil.example": "/x", "https://evil.example": "/x", "/\\evil": "/x",
	} {
		require.Equal(t, want, web.LocalPath(next, "/x"), next)
	}
}

func TestNextStep(t *testing.T) {
	t.Parallel()
	verifiedShop := map[string][]string{"shop": {"verified"}}
	require.Equal(t, "next.onboard", web.NextStep("", nil))
	require.Equal(t, "next.wait", web.NextStep("pending", nil))
	require.Equal(t, "next.resubmit", web.NextStep("needs_info", nil))
	require.Equal(t, "next.resubmit", web.NextStep("rejected", verifiedShop))
	require.Equal(t, "next.shop", web.NextStep("verified", nil))
	require.Equal(t, "next.explore", web.NextStep("verified", verifiedShop))
	require.Equal(t, "next.shopwait", web.NextStep("verified", map[string][]string{"shop": {"pending", "rejected"}}))
	require.Equal(t, "next.fixshop", web.NextStep("verified", map[string][]string{"shop": {"rejected"}}))
	require.Equal(t, "next.explore", web.NextStep("verified", map[string][]string{"shop": {"rejected", "verified"}}))
	for _, fund := range []string{"submitted", "screening", "in_review", "approved", "waitlisted"} {
		require.Equal(t, "next.fundwait", web.NextStep("verified", map[string][]string{"shop": {"verified"}, "fund": {"rejected", fund}}),
			"no second application suggested while one is %s", fund)
	}
	for _, fund := range []string{"rejected", "withdrawn", "disbursed"} {
		require.Equal(t, "next.explore", web.NextStep("verified", map[string][]string{"shop": {"verified"}, "fund": {fund}}), fund)
	}
	require.Equal(t, "next.offer", web.NextStep("verified", map[string][]string{"internship": {"offered"}}),
		"an offer to answer comes before all else")
}

func TestWantsHTML(t *testing.T) {
	t.Parallel()
	require.True(t, web.WantsHTML("text/html,application/xhtml+xml,*/*;q=0.8"))
	require.False(t, web.WantsHTML("application/json"))
	require.False(t, web.WantsHTML(""))
	require.False(t, web.WantsHTML("text/html;q=0, application/json"))
}

func TestCSRFTokenBindsNonceAndSession(t *testing.T) {
	t.Parallel()
	key := []byte("k")
	base := web.CSRFToken(key, "nonce", "session")
	require.Equal(t, base, web.CSRFToken(key, "nonce", "session"))
	require.NotEqual(t, base, web.CSRFToken(key, "other", "session"))
	require.NotEqual(t, base, web.CSRFToken(key, "nonce", "other"))
	require.NotEqual(t, base, web.CSRFToken([]byte("k2"), "nonce", "session"))
	require.NotEqual(t, web.CSRFToken(key, "ab", "c"), web.CSRFToken(key, "a", "bc"))
}

// FuzzDecodeForm: any form decodes without panicking, a field it reports
// is one of the input's JSON names, and the use case then answers the
// input without a server error.
func FuzzDecodeForm(f *testing.F) {
	f.Add("enrollment_year=2023&phone=13812345678&full_name=%E5%BC%A0%E4%B8%89")
	f.Add("enrollment_year=99999999999999999999&college_id=&csrf=x")
	f.Add("score=%2B8&decision=approve&decision=reject")
	// A valid form but for bytes that are not UTF-8 (the database refuses them).
	f.Add("college_id=6f1e2d3c-0000-4000-8000-000000000001&student_number=2023000001&full_name=%E5%BC%A0%FF&" +
		"enrollment_year=2023&major=E-commerce&college_email=s1%40college1.edu.cn&phone=13812345678&name=%FF&" +
		"email=a%40example.com&password=a-long-password%FF&decision=approve&score=8&comment=%FF")
	u := newUseCases(f)
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, in := range []any{&app.OnboardingInput{}, &app.ReviewInput{}, &app.RegisterInput{}} {
			for name := range web.DecodeForm(values, in) {
				require.Contains(t, values, name)
			}
			u.check(t, in)
		}
	})
}
