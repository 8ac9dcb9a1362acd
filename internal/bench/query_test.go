package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQueriesAreDeterministicAndFromTheCorpus(t *testing.T) {
	t.Parallel()
	c := Synthetic(SyntheticParams{Seed: 5, Chunks: 300})
	a, b := Queries(c, 5, 50), Queries(c, 5, 50)
	require.Equal(t, a, b)
	require.Len(t, a, 50)
	uris := map[string]bool{}
	for _, art := range c.Articles {
		uris[art.URI] = true
	}
	v := newVocabulary()
	for _, q := range a {
		require.True(t, uris[q.Source], q.Source)
		words := strings.Fields(strings.TrimSuffix(q.Text, "?"))
		require.GreaterOrEqual(t, len(words), 2, q.Text)
		require.LessOrEqual(t, len(words), 10, q.Text)
		for _, w := range words[len(words)-2:] {
			require.False(t, v.function[w], "function word %q sampled in %q", w, q.Text)
		}
	}
	require.NotEqual(t, a, Queries(c, 6, 50))
}

func TestTableLinesUp(t *testing.T) {
	t.Parallel()
	tb := newTable("a", "method")
	tb.add("hybrid ×2", "x")
	var b strings.Builder
	tb.write(&b)
	require.Equal(t, "| a         | method |\n| --------- | ------ |\n| hybrid ×2 | x      |\n", b.String())
}

func BenchmarkSyntheticCorpus(b *testing.B) {
	count := chunker().CountTokens
	for b.Loop() {
		Synthetic(SyntheticParams{Seed: 1, Chunks: 1000, Tokens: count})
	}
}

func BenchmarkQueries(b *testing.B) {
	c := Synthetic(SyntheticParams{Seed: 1, Chunks: 1000})
	for b.Loop() {
		Queries(c, 1, 500)
	}
}
