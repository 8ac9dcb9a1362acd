package browsertest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser;
// the CHROMIUM environment variable overrides it.
const DefaultPath = "/usr/bin/chromium"

// Config sets up one browser; the zero value is a 1280×800 window and a
// two-minute deadline (a loaded CI machine is slow, not broken).
type Config struct {
	// Width and Height of the window in CSS pixels.
	Width, Height int
	// Timeout bounds everything the test does in the browser.
	Timeout time.Duration
}

// Browser is one headless Chromium and its first tab, for one test.
type Browser struct {
	t   testing.TB
	ctx context.Context
	// tab is ctx without the test's deadline, for the screenshot of a
	// test that ran out of time.
	tab context.Context
	dir string

	mu       sync.Mutex
	problems []string
	dialogs  []string
	shots    int
}

// shared is the one Chromium a test binary starts, on the first New, and
// Main stops. Each test gets a tab in a browser context of its own (its
// own cookies and storage), so tests stay apart while paying for the
// browser's start once.
var shared struct {
	mu   sync.Mutex
	ctx  context.Context
	stop func()
}

// sharedBrowser returns the shared browser's context, starting it first
// when it is not running.
func sharedBrowser(bin string) (context.Context, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx != nil {
		return shared.ctx, nil
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root inside its sandbox.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, err
	}
	shared.ctx = ctx
	shared.stop = func() {
		closing, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closing) // the browser is going away either way
		cancelBrowser()
		cancelAlloc()
	}
	return ctx, nil
}

// Main wraps a test package's m so that running it stops the shared
// browser after the tests, before a leak check looks for its goroutines:
//
//	goleak.VerifyTestMain(browsertest.Main(m))
func Main(m interface{ Run() int }) interface{ Run() int } { return mainRunner{m} }

type mainRunner struct{ m interface{ Run() int } }

func (r mainRunner) Run() int {
	defer func() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.stop != nil {
			shared.stop()
			shared.ctx, shared.stop = nil, nil
		}
	}()
	return r.m.Run()
}

// New opens a tab for t in the package's headless Chromium (started on
// first use), closed when t ends; a failing test leaves a screenshot of
// the page. It skips t, with one line, when no Chromium can be found. The
// package's TestMain must run its tests through Main, which stops the
// browser.
func New(t testing.TB, cfg Config) *Browser {
	t.Helper()
	bin := cmp.Or(os.Getenv("CHROMIUM"), DefaultPath)
	if _, err := exec.LookPath(bin); err != nil {
		t.Skipf("browsertest: no Chromium at %s (run scripts/chromium.sh, or set CHROMIUM): %v", bin, err)
	}
	browser, err := sharedBrowser(bin)
	if err != nil {
		t.Fatalf("browsertest: start %s: %v", bin, err)
	}
	tab, cancelTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	// The test's deadline is on a child of tab, so that the tab outlives
	// it long enough for a screenshot.
	ctx, cancelTimeout := context.WithTimeout(tab, cmp.Or(cfg.Timeout, 2*time.Minute))
	stop := func() {
		cancelTimeout()
		closing, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closing) // closes the tab and its browser context; the test is over either way
		cancelTab()
	}
	// The viewport is emulated: a headless window is never narrower than
	// 500 px, and the widget must work at 360.
	w, h := cmp.Or(cfg.Width, 1280), cmp.Or(cfg.Height, 800)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		stop()
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	b := &Browser{t: t, ctx: ctx, tab: tab, dir: artefactDir(t)}
	var wg sync.WaitGroup
	if err := chromedp.Listen(ctx, b.listen(&wg)); err != nil {
		stop()
		t.Fatalf("browsertest: listen: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.failureScreenshot()
		}
		stop()
		wg.Wait()
	})
	return b
}

// Context is the tab's context, for chromedp.Run and chromedp.Do.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs the steps in the tab and fails the test on an error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
}

// Get runs one action that returns a value in b's tab and fails the test
// on an error.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	return v
}

// Screenshot saves what the viewport shows (fixed elements where a visitor
// sees them) as a PNG among the test's artefacts, logs its path and
// returns it.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	return b.screenshot(b.ctx, name)
}

func (b *Browser) failureScreenshot() {
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	b.screenshot(ctx, "failure")
}

func (b *Browser) screenshot(ctx context.Context, name string) string {
	b.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("browsertest: screenshot %s: %v", name, err)
		return ""
	}
	b.mu.Lock()
	b.shots++
	n := b.shots
	b.mu.Unlock()
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", n, safeName(name)))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("browsertest: save screenshot: %v", err)
		return ""
	}
	b.t.Logf("browsertest: screenshot %s", path)
	return path
}

// Problems are the console errors, uncaught exceptions and browser log
// errors (such as Content-Security-Policy violations) seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Dialogs are the messages of the alert, confirm and prompt dialogs the
// page opened so far; each was dismissed.
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// listen records what the page said. It runs in the loop that reads the
// tab's messages, so an event is recorded before the reply to any command
// sent after it arrives; a dialog is answered from another goroutine.
func (b *Browser) listen(wg *sync.WaitGroup) func(ev any) {
	return func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+exceptionText(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				b.problems = append(b.problems, "console.error: "+argsText(ev.Args))
			}
		case *log.EventEntryAdded:
			if ev.Entry != nil && ev.Entry.Level == log.EntryLevelError {
				b.problems = append(b.problems, "log: "+ev.Entry.Text)
			}
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, ev.Message)
			wg.Go(func() {
				_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			})
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, strings.Trim(string(a.Value), `"`))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// artefactDir is tmp/browser/<test> under the module root (gitignored), or
// under $SUPPORTD_ARTEFACTS when set; emptied at the start of the test.
func artefactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("SUPPORTD_ARTEFACTS")
	if root == "" {
		mod, err := moduleRoot()
		if err != nil {
			t.Fatalf("browsertest: %v", err)
		}
		root = filepath.Join(mod, "tmp", "browser")
	}
	dir := filepath.Join(root, safeName(t.Name()))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: set SUPPORTD_ARTEFACTS")
		}
		dir = parent
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }
