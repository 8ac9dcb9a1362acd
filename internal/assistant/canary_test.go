package assistant_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/fakellm"
	"supportd/internal/testkit"
)

// A configured canary too short to be told apart from ordinary words is not
// used: the system prompt carries a generated one instead, and a leak of the
// prompt is still blocked.
func TestAShortCanaryIsReplacedByAGeneratedOne(t *testing.T) {
	t.Parallel()
	b := setupLLM(t, 1, testkit.Options{Assistant: assistant.Params{Canary: "ab12"}})
	ans := b.ask(t, refundQuestion)
	require.Equal(t, core.ModeLLM, ans.Mode)

	system := b.fakes[0].LastRequest().Messages[0].Content
	require.NotContains(t, system, "ab12")
	m := regexp.MustCompile(`Internal reference: (\S+)`).FindStringSubmatch(system)
	require.Len(t, m, 2, "the system prompt carries a canary")
	require.GreaterOrEqual(t, len(m[1]), 16)

	b.fakes[0].Inject(fakellm.Fault{Kind: fakellm.KindLeak})
	ans = b.ask(t, refundQuestion)
	require.Equal(t, "output_blocked", ans.DegradedReason)
	require.NotContains(t, ans.Text, m[1])
}
