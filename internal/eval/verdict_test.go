package eval

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseVerdict(t *testing.T) {
	t.Parallel()
	v, err := parseVerdict("```json\n{\"faithfulness\": 0.5, \"relevance\": 1, \"reason\": \"ok\"}\n```")
	require.NoError(t, err)
	require.Equal(t, Verdict{Faithfulness: 0.5, Relevance: 1, Reason: "ok"}, v)
	for reply, want := range map[string]string{
		"I think it's fine":                          "no JSON object",
		`{"faithfulness": 0.5}`:                      "lacks faithfulness or relevance",
		`{"faithfulness": 1.5, "relevance": 0}`:      "outside 0..1",
		`{"faithfulness": "high", "relevance": 0.2}`: "not valid JSON",
	} {
		_, err := parseVerdict(reply)
		require.ErrorContains(t, err, want, reply)
	}
}
