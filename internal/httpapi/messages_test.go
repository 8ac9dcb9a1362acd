package httpapi_test

import (
	"testing"

	"github.com/stretchr/testify/require"

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
