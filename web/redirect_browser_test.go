package web_test

import (
	"testing"

	"github.com/campusbiz/campusbiz/web"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestLocalPathAgreesWithChromium resolves every sign-in redirect target
// the rule accepts with Chromium's own URL parser: none may leave the site.
// It also checks that the candidates have teeth: unfiltered, some of them
// do leave it in the browser.
func TestLocalPathAgreesWithChromium(t *testing.T) {
	ctx := tab(t)
	run(t, ctx, chromedp.Navigate("about:blank"))
	var all, accepted []string
	for _, next := range nextCandidates() {
		all = append(all, next)
		if got := web.LocalPath(next, "/x"); got != "/x" {
			accepted = append(accepted, got)
		}
	}
	const resolve = `(list) => list.filter(c => { try { return new URL(c, "https://campusbiz.example/login").host !== "campusbiz.example" } catch (e) { return false } })`
	var leaving, leavingUnfiltered []string
	run(t, ctx,
		chromedp.PollFunction(resolve, &leaving, chromedp.WithPollingArgs(accepted), chromedp.WithPollingTimeout(0)),
		chromedp.PollFunction(resolve, &leavingUnfiltered, chromedp.WithPollingArgs(all), chromedp.WithPollingTimeout(0)),
	)
	require.Empty(t, leaving, "accepted targets that Chromium resolves to another host")
	require.Contains(t, leavingUnfiltered, "/\t/evil.example/x", "the candidates include the known attack")
}
