package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/llm"
	"supportd/internal/testkit"
)

// TestChatAnswersRealMessages: a long bug report with a pasted log, a rule
// of em dashes, an emoji run, quoted zero-width spaces and quoted mojibake
// are answered and stored as sent, not refused.
func TestChatAnswersRealMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, q := range testkit.RealMessages(t) {
		t.Run(name, func(t *testing.T) {
			ans := b.chat(t, "demo", q, "")
			require.NotEmpty(t, ans.Answer)
			b.requireStored(t, "demo", q, ans)
		})
	}
}

// TestChatBugReportRetrievesOnItsLog: the 2,737-character report is
// answered from the article its log's error line points to.
func TestChatBugReportRetrievesOnItsLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ans := b.chat(t, "demo", testkit.RealMessages(t)["bug-report-with-log.txt"], "")
	require.Equal(t, "extractive", ans.Mode, "reason %q", ans.DegradedReason)
	require.NotEmpty(t, ans.Citations)
	require.Equal(t, "troubleshooting/certificate-errors.md", ans.Citations[0].Document)
	require.Contains(t, ans.Answer, "certificate")
}

// TestChatBugReportPromptHoldsAnExcerpt: the model gets the report's own
// words as the question and a bounded excerpt of its log, errors first, in
// their own untrusted block; the turn is stored whole.
func TestChatBugReportPromptHoldsAnExcerpt(t *testing.T) {
	t.Parallel()
	b, model := setupLLM(t, llm.GatewayParams{})
	report := testkit.RealMessages(t)["bug-report-with-log.txt"]
	res := b.postJSON(t, "/v1/chat", map[string]string{"kb": "demo", "question": report})
	require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
	var ans chatAnswer // and model, usage: not compared here
	require.NoError(t, json.Unmarshal(res.body, &ans))
	require.Equal(t, "llm", ans.Mode, "reason %q", ans.DegradedReason)
	require.Equal(t, "troubleshooting/certificate-errors.md", ans.Citations[0].Document)
	b.requireStored(t, "demo", report, ans)

	user := model.LastRequest().Messages[1].Content
	question := user[strings.Index(user, "<question>"):]
	require.Contains(t, question, "How do I get the desktop app to sync again?")
	require.NotContains(t, question, "TLS handshake")
	pasted := user[strings.Index(user, "<pasted>\n")+len("<pasted>\n") : strings.Index(user, "\n</pasted>")]
	require.True(t, strings.HasPrefix(pasted,
		"2024-06-03 09:12:45.231 ERROR [net] TLS handshake failed: x509: certificate signed by unknown authority (host=sync.quillstack.app)\n"), pasted)
	require.Contains(t, pasted, "OS: Windows 11 Enterprise 23H2 (build 22631.3593)")
	require.LessOrEqual(t, utf8.RuneCountInString(pasted), assistant.DefaultMaxPastedChars)
}
