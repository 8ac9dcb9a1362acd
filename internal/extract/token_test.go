package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"How do I cancel my subscription?", []string{"cancel", "subscription"}},
		{"Refunds were refunded; refunding!", []string{"refund", "refund", "refund"}},
		{"Settings → Billing", []string{"set", "bill"}},
		{"What's the weather in Paris tomorrow?", []string{"weather", "paris", "tomorrow"}},
		{"Version 2.3.1 of HDR10+", []string{"version", "2", "3", "1", "hdr10"}},
		{"Café CRÈME", []string{"café", "crème"}},
		{"請求書", []string{"請", "求", "書"}},
		{"", nil},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tokenize(tt.in), tt.in)
	}
}

func TestStemMeetsVariants(t *testing.T) {
	t.Parallel()
	for _, group := range [][]string{
		{"setting", "settings", "set"},
		{"charge", "charges", "charged", "charging"},
		{"update", "updated", "updates", "updating"},
		{"battery", "batteries"},
		{"stop", "stopped", "stopping"},
	} {
		for _, w := range group[1:] {
			require.Equal(t, stem(group[0]), stem(w), "%s vs %s", group[0], w)
		}
	}
	require.Equal(t, "access", stem("access"))
	require.Equal(t, "install", stem("installing"))
}

func TestTokenizeBoundsLongWords(t *testing.T) {
	t.Parallel()
	long := make([]byte, 10000)
	for i := range long {
		long[i] = 'x'
	}
	terms := tokenize(string(long))
	require.Len(t, terms, 1)
	require.Len(t, terms[0], maxTermRunes)
}
