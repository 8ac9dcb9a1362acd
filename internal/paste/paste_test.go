package paste

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplitPlainQuestion(t *testing.T) {
	t.Parallel()
	for _, q := range []string{
		"How do I reset my password?",
		"I'm getting error QS-SYNC-409 when I save a document. What does it mean?",
		"Note: I already tried that. Why was I charged twice?",
		"Hi,\n\nmy invoices are missing.\nCan you help?",
	} {
		m := Split(q)
		require.Equal(t, q, m.Question)
		require.Empty(t, m.Pasted, q)
		require.Empty(t, m.Salient, q)
	}
}

func TestSplitBugReport(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../guard/testdata/messages/bug-report-with-log.txt")
	require.NoError(t, err)
	m := Split(strings.TrimSpace(string(b)))

	require.True(t, strings.HasPrefix(m.Question, "Hi, since Monday the desktop app"))
	require.Contains(t, m.Question, "How do I get the desktop app to sync again?")
	require.NotContains(t, m.Question, "TLS handshake")
	require.NotContains(t, m.Question, "OS: Windows")
	require.NotContains(t, m.Question, "at TLSSocket")
	require.Less(t, utf8.RuneCountInString(m.Question), 900)

	require.Contains(t, m.Pasted, "2024-06-03 09:12:45.231 ERROR [net] TLS handshake failed")
	require.Contains(t, m.Pasted, "    at TLSSocket.onConnectSecure (node:_tls_wrap:1659:34)")
	require.Contains(t, m.Pasted, "OS: Windows 11 Enterprise 23H2 (build 22631.3593)")

	// Errors and codes, once each, without their timestamps and levels.
	require.Equal(t, []string{
		"[net] TLS handshake failed: x509: certificate signed by unknown authority (host=sync.quillstack.app)",
		"[net] TLS handshake failed: x509: certificate signed by unknown authority (host=files.quillstack.app)",
		"[sync] QS-SYNC-503: sync service unavailable, retrying in 60s",
		"Error: unable to verify the first certificate",
	}, m.Salient)
}

func TestSplitShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, question, pasted string
		salient                    []string
	}{
		{"code fence",
			"Why does this fail?\n```\n$ quill sync\nerror: QS-SYNC-401 session expired\n```\nThanks!",
			"Why does this fail?\nThanks!", "$ quill sync\nerror: QS-SYNC-401 session expired",
			[]string{"error: QS-SYNC-401 session expired"}},
		{"python traceback",
			"The import script crashes:\nTraceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/quill/cli.py\", line 42, in main\n    client.login(token)\nquill.errors.AuthError: 401 Unauthorized\nWhat token do I need?",
			"The import script crashes:\nWhat token do I need?",
			"Traceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/quill/cli.py\", line 42, in main\n    client.login(token)\nquill.errors.AuthError: 401 Unauthorized",
			[]string{"quill.errors.AuthError: 401 Unauthorized"}},
		{"java stack",
			"Crash on start:\nException in thread \"main\" java.lang.NullPointerException\n\tat com.acme.sync.Client.connect(Client.java:88)\n\tat com.acme.sync.Main.main(Main.java:14)",
			"Crash on start:",
			"Exception in thread \"main\" java.lang.NullPointerException\n\tat com.acme.sync.Client.connect(Client.java:88)\n\tat com.acme.sync.Main.main(Main.java:14)",
			[]string{"Exception in thread \"main\" java.lang.NullPointerException"}},
		{"system info block",
			"Export to PDF is blank.\nBrowser: Firefox 126\nOS: Ubuntu 24.04\nPlan: Team",
			"Export to PDF is blank.", "Browser: Firefox 126\nOS: Ubuntu 24.04\nPlan: Team", nil},
		{"one key value line is prose",
			"Plan: Team. How many seats can I add?", "Plan: Team. How many seats can I add?", "", nil},
		{"levels without timestamps",
			"Sync stops:\nWARN sync retry 1/5\nERROR sync QS-SYNC-507: offline cache full (5.00 GB of 5.00 GB used)\nwhat can I delete?",
			"Sync stops:\nwhat can I delete?",
			"WARN sync retry 1/5\nERROR sync QS-SYNC-507: offline cache full (5.00 GB of 5.00 GB used)",
			[]string{"sync QS-SYNC-507: offline cache full (5.00 GB of 5.00 GB used)"}},
		{"access log",
			"Webhooks fail:\n203.0.113.7 - - [12/Mar/2024:10:22:01 +0000] \"POST /hooks/quill HTTP/1.1\" 502 157",
			"Webhooks fail:", "203.0.113.7 - - [12/Mar/2024:10:22:01 +0000] \"POST /hooks/quill HTTP/1.1\" 502 157", nil},
		{"browser error code",
			"Chrome says:\n```\nYour connection is not private\nNET::ERR_CERT_DATE_INVALID\n```",
			"Chrome says:", "Your connection is not private\nNET::ERR_CERT_DATE_INVALID",
			[]string{"NET::ERR_CERT_DATE_INVALID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Split(tc.in)
			require.Equal(t, tc.question, m.Question)
			require.Equal(t, tc.pasted, m.Pasted)
			require.Equal(t, tc.salient, m.Salient)
		})
	}
}

func TestSplitOnlyPasted(t *testing.T) {
	t.Parallel()
	// A message that is nothing but a log keeps it as the question, so
	// that there is something to retrieve on and answer.
	in := "2024-06-03 09:12:45.231 ERROR [net] TLS handshake failed\n2024-06-03 09:12:47.240 ERROR [net] TLS handshake failed"
	m := Split(in)
	require.Equal(t, in, m.Question)
	require.Equal(t, in, m.Pasted)
	require.Equal(t, []string{"[net] TLS handshake failed"}, m.Salient)
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	m := Split("Why?\n" + strings.Repeat("2024-06-03 09:12:45.231 INFO [sync] heartbeat ok\n", 200) +
		"2024-06-03 09:13:15.280 ERROR [sync] QS-SYNC-503: sync service unavailable\nOS: macOS 14.5\nApp: 3.4.1")
	ex := m.Excerpt(600)
	require.LessOrEqual(t, utf8.RuneCountInString(ex), 600)
	// Salient lines come first, whatever their place in the log, then
	// the rest as far as the bound allows, and a count of what was left.
	require.True(t, strings.HasPrefix(ex, "2024-06-03 09:13:15.280 ERROR [sync] QS-SYNC-503: sync service unavailable\n"), ex)
	require.Contains(t, ex, "OS: macOS 14.5")
	require.Regexp(t, `\[… \d+ more lines\]$`, ex)
	require.Equal(t, "", Split("How do I reset my password?").Excerpt(600))
	short := Split("Why?\nOS: macOS 14.5\nApp: 3.4.1")
	require.Equal(t, "OS: macOS 14.5\nApp: 3.4.1", short.Excerpt(600))
}

func TestQuery(t *testing.T) {
	t.Parallel()
	m := Message{Question: "Why?", Salient: []string{"QS-SYNC-503: unavailable", "Error: x509"}}
	require.Equal(t, "Why not?\nQS-SYNC-503: unavailable\nError: x509", m.Query("Why not?"))
	require.Equal(t, "Why?", Message{Question: "Why?"}.Query("Why?"))
}

func TestFocus(t *testing.T) {
	t.Parallel()
	m := Split("Hi. Since Monday sync fails. I restarted twice. Why does it fail? Any idea?\n" +
		"2024-06-03 09:13:15.280 ERROR [sync] QS-SYNC-503: sync service unavailable")
	require.Equal(t, "Why does it fail? Any idea?\n[sync] QS-SYNC-503: sync service unavailable", m.Focus(m.Question))
	none := Split("Sync fails.\n2024-06-03 09:13:15.280 ERROR [sync] QS-SYNC-503")
	require.Equal(t, "Sync fails.\n[sync] QS-SYNC-503", none.Focus(none.Question))
	plain := Split("Hi. My invoice is wrong. Why was I charged twice?")
	require.Equal(t, plain.Question, plain.Focus(plain.Question), "nothing pasted: the whole question")
}
