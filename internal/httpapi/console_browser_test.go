package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"supportd/internal/browsertest"
)

// tabTo presses Tab until the focused element's text is label, as a
// keyboard user reaches a button, and fails after 40 presses.
func tabTo(t *testing.T, br *browsertest.Browser, label string) {
	t.Helper()
	for range 40 {
		br.Do(chromedp.KeyEvent("\t"))
		if strings.TrimSpace(browsertest.Get(br, chromedp.Evaluate[string](`document.activeElement.textContent`))) == label {
			return
		}
	}
	t.Fatalf("no focusable %q within 40 tabs", label)
}

// The console in Chromium with the keyboard alone: sign in, take a
// handed-off conversation from the inbox and mark it handled; no page
// reports a console error or a CSP violation. (Relabelling in the browser
// is TestScenarioThumbsDownBecomesAGoldenCase.)
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	b := setupConsole(t)
	br := browsertest.New(t, browsertest.Config{Width: 1280, Height: 900, Timeout: 2 * time.Minute})
	location := func() string { return browsertest.Get(br, chromedp.Location()) }

	// Sign in by keyboard: the key field has focus, Enter submits.
	br.Do(chromedp.Navigate(b.srv.URL+"/console"), chromedp.WaitVisible(chromedp.CSS("#key")))
	require.Equal(t, b.srv.URL+"/console/signin?next=%2Fconsole", location())
	require.Equal(t, "key", browsertest.Get(br, chromedp.Evaluate[string](`document.activeElement.id`)))
	br.Do(chromedp.KeyEvent(b.agent), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`//h1[text()="Handoff inbox"]`))
	require.Equal(t, b.srv.URL+"/console", location())

	// Scenario 2: an unanswerable question is handed off and lands in the
	// inbox; the agent opens it and marks it handled.
	handoff := b.chatUser(t, weatherQuestion, "", "visitor-42")
	require.Equal(t, "handoff", handoff.Mode)
	br.Do(chromedp.Reload(), chromedp.Click(chromedp.CSS(`a[href="/console/conversations/`+handoff.ConversationID+`"]`)),
		chromedp.WaitVisible(`//h1[text()="Conversation"]`))
	require.Contains(t, browsertest.Get(br, chromedp.Text(chromedp.CSS("main"))), "visitor-42")
	tabTo(t, br, "Mark handled")
	br.Do(chromedp.KeyEvent("\r"), chromedp.WaitVisible(`//p[@role="status"][text()="Marked handled."]`))
	br.Screenshot("conversation")
	br.Do(chromedp.Navigate(b.srv.URL+"/console?status=handled"), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/conversations/`+handoff.ConversationID+`"]`)))

	require.Empty(t, br.Problems(), "console errors or CSP violations")
	require.Empty(t, br.Dialogs())
}
