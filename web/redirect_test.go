package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/web"
	"github.com/stretchr/testify/require"
)

// nextCandidates are sign-in redirect targets built from the pieces
// browsers are known to normalise: slashes, backslashes, tabs and
// newlines (dropped inside URLs), spaces, percent-encodings and schemes.
func nextCandidates() []string {
	pieces := []string{"/", "\\", "\t", "\n", "\r", " ", "%2f", "%5c", "%09", "\x00", "@", ":", "http:", "javascript:", "。"}
	var out []string
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				out = append(out, a+b+c+"evil.example/x", "/"+a+b+c+"evil.example/x")
			}
		}
	}
	return append(out, "/reviews", "/fund?program=1", "/a/b?c=d#e", "https://evil.example", "//evil.example")
}

// TestLocalPathKeepsEveryTargetOnTheSite checks each candidate the rule
// accepts with Go's URL resolution; the browser test checks the same list
// with Chromium's.
func TestLocalPathKeepsEveryTargetOnTheSite(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://campusbiz.example/login")
	accepted := 0
	for _, next := range nextCandidates() {
		got := web.LocalPath(next, "/x")
		if got == "/x" {
			continue
		}
		accepted++
		ref, err := url.Parse(got)
		require.NoError(t, err, "%q", next)
		require.Equal(t, base.Host, base.ResolveReference(ref).Host, "%q → %q", next, got)
	}
	require.Positive(t, accepted)
	for next, want := range map[string]string{
		"/reviews": "/reviews", "/fund?program=1": "/fund?program=1", "/a/b?c=d#e": "/a/b?c=d",
		"": "/x", "//evil.example": "/x", "https://evil.example": "/x", "/\\evil": "/x",
		"/\t/evil.example": "/x", "/\n/evil.example": "/x", "\t//evil.example": "/x", "/ /evil.example": "/x",
		"/%2f/evil.example": "/%2f/evil.example", "/" + strings.Repeat("a", 3000): "/x", "/é": "/x",
	} {
		require.Equal(t, want, web.LocalPath(next, "/x"), "%q", next)
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, next := range []string{"/reviews", "/\t/evil.example", "//x", "/%2f%2fx", "/a?b=//c", "/\\x"} {
		f.Add(next)
	}
	base, _ := url.Parse("https://campusbiz.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := web.LocalPath(next, "/x")
		if got == "/x" {
			return
		}
		ref, err := url.Parse(got)
		if err != nil || base.ResolveReference(ref).Host != base.Host || strings.HasPrefix(got, "//") ||
			strings.ContainsAny(got, "\\\t\r\n ") {
			t.Fatalf("LocalPath(%q) = %q leaves the site", next, got)
		}
	})
}
