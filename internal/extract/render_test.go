package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestTrimSnippet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short", "Open Settings.", 240, "Open Settings."},
		{"exact", "abcde", 5, "abcde"},
		{"word boundary", "Refunds are issued within five business days.", 20, "Refunds are issued…"},
		{"cut at a space", "Refunds are issued within", 18, "Refunds are issued…"},
		{"trailing punctuation", "Open Settings, then Billing.", 15, "Open Settings…"},
		{"one long word", "Supercalifragilistic", 5, "Super…"},
		{"white space collapsed", "Open\n  Settings\tnow", 240, "Open Settings now"},
		{"unicode", "Ouvrez les Paramètres → Facturation ensuite.", 30, "Ouvrez les Paramètres →…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, trimSnippet(tt.in, tt.n))
		})
	}
}

func TestSnippetsAreTrimmedToAbout240Runes(t *testing.T) {
	t.Parallel()
	p := refundPassage()
	p.Text = "Refunds for gift cards " + strings.Repeat("are explained in great detail here ", 20) + "."

	res := New(Params{}).Answer("Do you refund gift cards?", append(offTopic(), p))

	require.False(t, res.Handoff)
	s := res.Citations[0].Snippet
	require.LessOrEqual(t, utf8.RuneCountInString(s), snippetRunes+1)
	require.True(t, strings.HasSuffix(s, "…"), s)
	require.True(t, strings.HasPrefix(p.Text, strings.TrimSuffix(s, "…")+" "), "cut at a word boundary: %q", s)
}

func TestNeutralizeMarkers(t *testing.T) {
	t.Parallel()
	require.Equal(t, "see (1) and (23)", neutralizeMarkers("see [1] and [23]"))
	require.Equal(t, "(4) first", neutralizeMarkers("[4] first"))
	require.Equal(t, "arr[0] and [x] and [ 1]", neutralizeMarkers("arr[0] and [x] and [ 1]"))
	require.Equal(t, "[ (1)5]", neutralizeMarkers("[ [1]5]"))
}
