package bench

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/ingest"
)

// chunker is the default chunker, built once: its encoding takes a moment.
var chunker = sync.OnceValue(func() *ingest.Chunker {
	c, err := ingest.NewChunker(ingest.ChunkerParams{})
	if err != nil {
		panic(err)
	}
	return c
})

// chunkCorpus loads every article as the ingest path does and chunks it.
func chunkCorpus(t *testing.T, c Corpus) int {
	t.Helper()
	n := 0
	for _, a := range c.Articles {
		md := a.Markdown()
		doc, err := ingest.Load(a.URI, strings.NewReader(md), int64(len(md)))
		require.NoError(t, err)
		require.Equal(t, a.Title, doc.Title)
		n += len(chunker().Split(doc))
	}
	return n
}

func TestSyntheticIsDeterministic(t *testing.T) {
	t.Parallel()
	p := SyntheticParams{Seed: 7, Chunks: 300, Tokens: chunker().CountTokens}
	a, b := Synthetic(p), Synthetic(p)
	require.Equal(t, a, b)
	p.Seed = 8
	require.NotEqual(t, a.Articles[0].Markdown(), Synthetic(p).Articles[0].Markdown())
}

func TestSyntheticChunkCountNearTarget(t *testing.T) {
	t.Parallel()
	for _, target := range []int{60, 400} {
		c := Synthetic(SyntheticParams{Seed: 1, Chunks: target, Tokens: chunker().CountTokens})
		got := chunkCorpus(t, c)
		t.Logf("target %d: %d articles, %d chunks expected, %d chunked", target, len(c.Articles), c.Chunks, got)
		require.InDelta(t, target, got, 0.15*float64(target))
	}
}

func TestSyntheticShape(t *testing.T) {
	t.Parallel()
	c := Synthetic(SyntheticParams{Seed: 3, Chunks: 200, Tokens: chunker().CountTokens})
	uris := map[string]bool{}
	for _, a := range c.Articles {
		require.False(t, uris[a.URI], "duplicate URI %s", a.URI)
		uris[a.URI] = true
		require.NotEmpty(t, a.Title)
		require.GreaterOrEqual(t, len(a.Sections), 3)
		require.LessOrEqual(t, len(a.Sections), 8)
		for _, s := range a.Sections {
			require.NotEmpty(t, s.Heading)
			require.NotEmpty(t, s.Paragraphs)
		}
	}
}
