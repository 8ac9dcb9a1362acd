package scenario_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/scenario"
)

func TestStreamsAreDeterministicAndShifted(t *testing.T) {
	t.Parallel()
	base := []string{"How do I get a refund?", "Where are my invoices?"}
	a, b := scenario.New(base, 7), scenario.New(base, 7)
	require.Equal(t, a.Normal(50), b.Normal(50))
	require.Equal(t, a.Shifted(50), b.Shifted(50))

	shifted := scenario.New(base, 1).Shifted(1000)
	quillpad, logs := 0, 0
	for _, q := range shifted {
		if strings.Contains(strings.ToLower(q), "quillpad") {
			quillpad++
		}
		if strings.Contains(q, "\n") {
			logs++
		}
	}
	require.InDelta(t, 450, quillpad, 60)
	require.InDelta(t, 400, logs, 60)
	for _, q := range scenario.New(base, 1).Normal(200) {
		require.NotContains(t, strings.ToLower(q), "quillpad")
		require.NotContains(t, q, "\n")
	}
}
