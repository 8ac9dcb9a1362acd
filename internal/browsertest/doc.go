// Package browsertest drives the Chromium that scripts/chromium.sh installs
// (Debian's chromium, never a downloaded build) from tests with chromedp:
// one headless browser per test binary (stopped by Main), a tab in a browser
// context of its own per test, a context with a deadline, screenshots
// saved as test artefacts, and the page's console errors, uncaught
// exceptions and dialogs collected for assertions. When no Chromium can be
// found the test is skipped with one line saying so.
//
// It is test support: it imports no supportd package, and production code
// must not import it.
package browsertest
