package paste

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func FuzzSplit(f *testing.F) {
	report, err := os.ReadFile("../guard/testdata/messages/bug-report-with-log.txt")
	require.NoError(f, err)
	for _, s := range []string{
		"", "How do I reset my password?", string(report),
		"```\nERROR x\n```\n```", "a\n  at b\n\tat c", "OS: x\nApp: y", "\r\n\r\n", "ERROR\n",
		"2024-06-03 09:12:45.231 ERROR [net] TLS handshake failed\x00\xff",
	} {
		f.Add(s, 200)
	}
	f.Fuzz(func(t *testing.T, msg string, limit int) {
		m := Split(msg)
		if strings.TrimSpace(msg) != "" {
			require.NotEmpty(t, m.Question)
		}
		require.LessOrEqual(t, len(m.Salient), maxSalient)
		for _, line := range strings.Split(m.Pasted, "\n") {
			require.Contains(t, strings.ReplaceAll(msg, "\r\n", "\n"), line)
		}
		limit = limit%5000 + markerRunes + 1
		if limit > markerRunes {
			require.LessOrEqual(t, utf8.RuneCountInString(m.Excerpt(limit)), limit)
		}
		if m.Pasted == "" {
			require.Empty(t, m.Excerpt(limit))
			require.Equal(t, m.Question, m.Focus(m.Question))
		}
	})
}
