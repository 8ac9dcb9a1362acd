package assistant

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEveryClaimCited(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		want bool
	}{
		{"one paragraph, cited at its end", "Refunds take 5 days. Contact billing to start. [P1]", true},
		{"each passage where it is used", "Refunds take 5 days [P1].\n\nCancel from Settings [P3].", true},
		{"a paragraph citing nothing", "Refunds take 5 days [P1].\n\nYou also get a free phone.", false},
		{"a list cited by its items", "To cancel:\n\n1. Open Settings [P2]\n2. Click Cancel plan [P2]", true},
		{"a list citing nothing", "Refunds take 5 days [P1].\n\n1. Open Settings\n2. Click Cancel plan", false},
		{"a code block needs no citation", "Run the CLI [P1]:\n\n```\nsupportd migrate\n```", true},
		{"grouped ids", "Both plans renew yearly [P1, P2].", true},
		{"no citation at all", "Refunds take 5 days.", false},
		{"punctuation only paragraph", "Refunds take 5 days [P1].\n\n---", true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, everyClaimCited(tc.text), tc.name)
	}
}
