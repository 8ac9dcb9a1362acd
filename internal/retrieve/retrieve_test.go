package retrieve_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/retrieve"
	"supportd/internal/testkit"
)

func TestHybridFindsTheRightDocument(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	kb, rep := kit.Ingest(t, "fixed", false, filepath.Join("testdata", "corpus"))
	require.False(t, rep.Failed())

	// within is the rank the document must reach in the hybrid list: with
	// the built-in embedder, BM25 orders it, and the natural question's
	// "billing" pulls the refunds article above the seats one.
	cases := []struct {
		name, question, want string
		within               int
	}{
		{"keyword only: pasted error code", "QS-SYNC-409", "sync-errors.md", 1},
		{"keyword only: certificate error", "ERR_CERT_DATE_INVALID", "sync-errors.md", 1},
		{"paraphrase", "can I get my money back if I cancel my yearly subscription?", "refunds.md", 1},
		{"paraphrase with other words", "how do we turn on SAML login for the whole company", "sso.md", 1},
		{"question with typos", "how to exprot my workspce as pdf", "export.md", 1},
		{"natural question", "what happens to billing when I add a member halfway through the month?", "seats.md", 2},
	}
	for _, method := range []string{"hybrid", "text", "vector"} {
		for _, tc := range cases {
			got, err := kit.Retriever.Retrieve(context.Background(), retrieve.Query{KB: kb, Question: tc.question, TopK: 3, Method: method})
			require.NoError(t, err)
			require.NotEmpty(t, got, "%s / %s", method, tc.name)
			if method == "hybrid" {
				var uris []string
				for _, p := range got[:min(tc.within, len(got))] {
					uris = append(uris, p.SourceURI)
				}
				require.Contains(t, uris, tc.want, "%s: %q", tc.name, tc.question)
				require.Positive(t, got[0].Score)
			}
			for i := 1; i < len(got); i++ {
				require.GreaterOrEqual(t, got[i-1].Score, got[i].Score, "sorted by fused score")
			}
		}
	}
}

func TestRetrieveRejectsAnotherEmbeddersKB(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	kb := kit.KB(t, "fixed")
	kb.EmbedModel = "someone-else"
	_, err := kit.Retriever.Retrieve(context.Background(), retrieve.Query{KB: kb, Question: "refund"})
	require.Equal(t, core.CodeEmbeddingMismatch, core.ErrorCode(err))
}

func TestFusionAndDedupe(t *testing.T) {
	t.Parallel()
	ps := []core.Passage{
		{ChunkID: 1, VectorRank: 1, TextRank: 0, Text: "alpha beta gamma delta"},
		{ChunkID: 2, VectorRank: 2, TextRank: 1, Text: "alpha beta gamma delta"},
		{ChunkID: 3, VectorRank: 0, TextRank: 2, Text: "something else entirely here"},
	}
	retrieve.Fusion{K: 60, VectorWeight: 1, TextWeight: 1}.Score(ps)
	require.InDelta(t, 1.0/61, ps[0].Score, 1e-12)
	require.InDelta(t, 1.0/62+1.0/61, ps[1].Score, 1e-12)
	require.InDelta(t, 1.0/62, ps[2].Score, 1e-12)

	kept := retrieve.Dedupe(ps, 0.8)
	require.Len(t, kept, 2)
	require.Equal(t, int64(1), kept[0].ChunkID, "the first of two duplicates is kept")
	require.Equal(t, int64(3), kept[1].ChunkID)
}

func TestFusionOfWeightZeroOnlyAddsCandidates(t *testing.T) {
	t.Parallel()
	ps := []core.Passage{
		{ChunkID: 1, VectorRank: 1},
		{ChunkID: 2, VectorRank: 3, TextRank: 2},
		{ChunkID: 3, TextRank: 1},
		{ChunkID: 4, VectorRank: 2},
		{ChunkID: 5, VectorRank: 4, TextRank: 3},
	}
	f := retrieve.FusionFor("hash-v2-384")
	require.Equal(t, retrieve.Fusion{K: 60, VectorWeight: 0, TextWeight: 1}, f)
	f.Rank(ps)
	var ids []int64
	for _, p := range ps {
		ids = append(ids, p.ChunkID)
	}
	require.Equal(t, []int64{3, 2, 5, 1, 4}, ids, "BM25's order, then what only the vector list found, in its order")
	require.InDelta(t, 1.0/61, ps[0].Score, 1e-12)
	require.Zero(t, ps[3].Score)
	require.Equal(t, retrieve.DefaultFusion(), retrieve.FusionFor("text-embedding-3-small"))
}

func TestDedupeMeasuresWordTrigramOverlap(t *testing.T) {
	t.Parallel()
	text := func(id int64, s string) core.Passage { return core.Passage{ChunkID: id, Text: s} }
	ids := func(ps []core.Passage) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.ChunkID)
		}
		return out
	}
	// 9 words make 7 trigrams; changing the last word shares 6 of 8.
	base := "reset the router by holding the button ten seconds"
	ps := []core.Passage{text(1, base), text(2, strings.ToUpper(base)+"!"),
		text(3, "reset the router by holding the button ten minutes"), text(4, "")}
	require.Equal(t, []int64{1, 3, 4}, ids(retrieve.Dedupe(ps, 0.8)), "case and punctuation do not count")
	require.Equal(t, []int64{1, 4}, ids(retrieve.Dedupe(ps, 0.75)), "6/8 is 0.75")
	require.Equal(t, []int64{4}, ids(retrieve.Dedupe([]core.Passage{text(4, ""), text(5, " ... ")}, 1)),
		"two texts without words are the same")
	require.Equal(t, []int64{6, 7}, ids(retrieve.Dedupe([]core.Passage{text(6, "two words"), text(7, "words two")}, 0.5)),
		"short texts compare whole, in order")
}

// A Deduper compares a pair's texts once: asked about the same passages in
// other orders and subsets, it keeps what Dedupe keeps.
func TestDeduperKeepsWhatDedupeKeeps(t *testing.T) {
	t.Parallel()
	texts := []string{
		"reset the router by holding the button ten seconds",
		"reset the router by holding the button ten minutes",
		"RESET the router, by holding the button ten seconds!",
		"billing happens on the first day of each month",
		"billing happens on the first day of every month",
		"invite a teammate from the members page",
		"",
	}
	var ps []core.Passage
	for i, s := range texts {
		ps = append(ps, core.Passage{ChunkID: int64(i + 1), Text: s})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, threshold := range []float64{0.5, 0.75, 0.8, 1} {
		d := retrieve.NewDeduper(threshold)
		for range 50 {
			order := slices.Clone(ps)
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			order = order[:1+rng.IntN(len(order))]
			require.Equal(t, retrieve.Dedupe(order, threshold), d.Dedupe(order), "threshold %v", threshold)
		}
	}
}

func TestRetrieveAppliesAndChecksTheFilter(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	kb, rep := kit.Ingest(t, "fixed", false, filepath.Join("testdata", "corpus"))
	require.False(t, rep.Failed())
	got, err := kit.Retriever.Retrieve(context.Background(), retrieve.Query{KB: kb, Question: "QS-SYNC-409", TopK: 5,
		Filter: core.Filter{URIPrefix: "s"}})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	for _, p := range got {
		require.Contains(t, []string{"seats.md", "sso.md", "sync-errors.md"}, p.SourceURI)
	}
	_, err = kit.Retriever.Retrieve(context.Background(), retrieve.Query{KB: kb, Question: "refund",
		Filter: core.Filter{DocumentIDs: []int64{0}}})
	require.Equal(t, core.CodeInvalid, core.ErrorCode(err))
}

// Retrieve's passages are a slice of their own, no longer than TopK: the
// candidates it scanned and passed over are not kept alive behind it
// while a stream waits on the model (with 1,000 streams, ~29 KB each).
func TestRetrieveKeepsNoCandidatesBeyondTopK(t *testing.T) {
	t.Parallel()
	kit := testkit.New(t)
	kb, rep := kit.Ingest(t, "fixed", false, filepath.Join("testdata", "corpus"))
	require.False(t, rep.Failed())
	got, err := kit.Retriever.Retrieve(context.Background(), retrieve.Query{KB: kb, Question: "how do I export my workspace", TopK: 2})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, 2, cap(got), "the slice holds no candidates past the top 2")
}

func TestDedupeTopStopsAtK(t *testing.T) {
	t.Parallel()
	ps := []core.Passage{
		{ChunkID: 1, Text: "alpha beta gamma delta"},
		{ChunkID: 2, Text: "alpha beta gamma delta"},
		{ChunkID: 3, Text: "something else entirely here"},
		{ChunkID: 4, Text: "yet another passage of words"},
	}
	kept := retrieve.DedupeTop(ps, 0.8, 2)
	require.Equal(t, []int64{1, 3}, []int64{kept[0].ChunkID, kept[1].ChunkID})
	require.Equal(t, 2, cap(kept))
	require.Equal(t, retrieve.Dedupe(ps, 0.8)[:2], kept)
}
