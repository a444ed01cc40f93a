package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// One headless Chromium serves the whole package; each test gets a tab.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
	browserTurn sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// chromiumPath finds Debian's chromium (or a Chrome) on PATH.
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("the browser tests need Chromium and none is on PATH: run `bash scripts/services.sh --browser` " +
		"(or `apt-get install -y chromium`)")
}

// tab opens a fresh browser context in the package's Chromium. It fails the
// test, never skips it, when Chromium is missing.
func tab(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			browserErr = err
			return
		}
		dir, err := os.MkdirTemp("", "campusbiz-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path), chromedp.UserDataDir(dir), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1280, 800),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		if err := chromedp.Run(ctx); err != nil {
			browserErr = fmt.Errorf("start Chromium at %s: %w", path, err)
		}
		browserCtx = ctx
		stopBrowser = func() {
			cancelCtx()
			cancelAlloc()
			_ = os.RemoveAll(dir)
		}
	})
	require.NoError(t, browserErr)
	// Tabs share the browser's cookies (and cookies ignore ports), so the
	// browser tests take turns and each starts with none.
	browserTurn.Lock()
	t.Cleanup(browserTurn.Unlock)
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Run(ctx, network.ClearBrowserCookies()))
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// run runs browser actions, failing the test on error.
func run(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	require.NoError(t, chromedp.Run(ctx, actions...))
}

// textOf is the visible text of the first element matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	run(t, ctx, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// stateOf is the workflow state (data-state) of the first badge of kind.
func stateOf(t *testing.T, ctx context.Context, kind string) string {
	t.Helper()
	var state string
	var ok bool
	run(t, ctx, chromedp.AttributeValue(`.state[data-kind=`+kind+`]`, "data-state", &state, &ok, chromedp.ByQuery))
	return state
}

// screenshotDir is where the tests write page screenshots (not committed).
const screenshotDir = "../screenshots"

// screenshots writes the current page at desktop and phone widths as
// <name>-desktop.png and <name>-phone.png.
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(screenshotDir, 0o755))
	for _, size := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		var png []byte
		emulate := chromedp.EmulateViewport(size.width, size.height)
		if size.mobile {
			emulate = chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateMobile)
		}
		run(t, ctx, emulate, chromedp.Sleep(100*time.Millisecond), chromedp.FullScreenshot(&png, 100))
		require.NotEmpty(t, png)
		require.NoError(t, os.WriteFile(filepath.Join(screenshotDir, name+"-"+size.suffix+".png"), png, 0o644))
	}
	run(t, ctx, chromedp.EmulateReset())
}
