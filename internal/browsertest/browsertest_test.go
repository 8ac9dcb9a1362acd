package browsertest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"supportd/internal/browsertest"
)

const page = `<!doctype html><title>harness</title>
<button id="go" onclick="document.getElementById('out').textContent='clicked'; console.error('boom'); alert('hello')">go</button>
<p id="out">waiting</p>`

func TestBrowserClicksAndCollectsWhatThePageSaid(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)

	b := browsertest.New(t, browsertest.Config{Width: 360, Height: 640})
	b.Do(chromedp.Navigate(srv.URL))
	require.Equal(t, 360, browsertest.Get(b, chromedp.Evaluate[int](`window.innerWidth`)))
	b.Do(
		chromedp.Click(chromedp.CSS("#go")),
		chromedp.WaitVisible(`//p[@id="out"][text()="clicked"]`),
	)
	require.Equal(t, "clicked", browsertest.Get(b, chromedp.Text(chromedp.CSS("#out"))))
	require.Equal(t, []string{"hello"}, b.Dialogs())
	require.Contains(t, b.Problems(), "console.error: boom")

	path := b.Screenshot("clicked")
	require.Equal(t, ".png", filepath.Ext(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "a .png file holds a PNG")
}
