package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// TestTopPostingsScoreLikeTheExactScan checks the top-postings path against
// scoring every matching chunk, on a knowledge base small enough that each
// term's postings all fit in what the path reads: the two lists must then
// be the same chunks with the same scores, field weights included, and
// must follow replaced and deleted documents.
func TestTopPostingsScoreLikeTheExactScan(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	rng := rand.New(rand.NewPCG(1, 2))
	text := wordSalad(rng, "refund invoice charge plan annual seat account login password reset export billing card tax receipt")
	var docs []store.DocumentWrite
	for i := range 12 {
		d := doc(fmt.Sprintf("d%02d.md", i), text(2), fmt.Sprint(i), text(5+rng.IntN(20)), text(5+rng.IntN(20)))
		d.Chunks[1].Heading = text(2)
		docs = append(docs, d)
	}
	require.NoError(t, s.WriteDocuments(ctx, kb, docs))
	requireSameText(t, s, kb)

	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("d03.md", "refund", "x", "refund refund tax", "seat")}))
	_, err := s.DeleteDocuments(ctx, kb, []string{"d04.md", "d05.md"})
	require.NoError(t, err)
	requireStats(t, s, kb, 20)
	requireSameText(t, s, kb)

	// Both paths really read the postings (since migration 00024 a small
	// knowledge base's matches too); only the exact scan reads the
	// tsvectors.
	_, err = dbtest.Owner(t, s).Exec(ctx, `DELETE FROM kb_postings WHERE kb_id = $1`, kb.ID)
	require.NoError(t, err)
	kb, err = s.KB(ctx, "default", "help") // PostingsFrom compares with its chunk count
	require.NoError(t, err)
	p := store.SearchParams{KB: kb, Query: "refund", Vector: []float32{1, 0, 0, 0}, SkipVector: true, PostingsFrom: 1}
	got, err := s.Search(ctx, p)
	require.NoError(t, err)
	require.Empty(t, got)
	p.PostingsFrom = 0
	got, err = s.Search(ctx, p)
	require.NoError(t, err)
	require.Empty(t, got, "a knowledge base under 5,000 chunks finds its matches in the postings")
	p.ExactText = true
	got, err = s.Search(ctx, p)
	require.NoError(t, err)
	require.NotEmpty(t, got, "the exact scan reads the tsvectors")
}

// wordSalad returns n words drawn uniformly from vocabulary.
func wordSalad(rng *rand.Rand, vocabulary string) func(n int) string {
	words := strings.Fields(vocabulary)
	return func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[rng.IntN(len(words))] + " ")
		}
		return b.String()
	}
}

// requireSameText compares the text list of the top-postings path with
// the exact scan's for a few queries and field weights.
func requireSameText(t *testing.T, s *store.Store, kb store.KB) {
	t.Helper()
	ctx := context.Background()
	kb, err := s.KB(ctx, "default", kb.Name)
	require.NoError(t, err)
	for _, q := range []string{"refund", "annual plan refund", "reset password for my account", "tax receipt export card", "nothing matches"} {
		for _, fields := range []store.Fields{store.DefaultFields, {Title: 3, Heading: 2}} {
			p := store.SearchParams{KB: kb, Query: q, Vector: []float32{1, 0, 0, 0}, SkipVector: true, Candidates: 30, Fields: fields, PostingsFrom: 1}
			got, err := s.Search(ctx, p)
			require.NoError(t, err)
			p.ExactText = true
			want, err := s.Search(ctx, p)
			require.NoError(t, err)
			require.Equal(t, textList(want), textList(got), "%q, %+v", q, fields)
			if q == "refund" {
				require.NotEmpty(t, got)
			}
		}
	}
}

// textList is each chunk's text rank and BM25 score, by chunk id.
func textList(ps []core.Passage) map[int64]string {
	out := map[int64]string{}
	for _, p := range ps {
		out[p.ChunkID] = fmt.Sprintf("%d %.9f", p.TextRank, p.BM25)
	}
	return out
}

// TestTopPostingsTopTenIsExact reads far fewer postings per term than each
// term has, on a Zipf-like vocabulary where the best chunks sum several
// moderate terms: the bounds (MaxScore over the essential terms) must
// still find exact BM25's top ten, in order, with its scores.
func TestTopPostingsTopTenIsExact(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	words := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike " +
		"november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu")
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[zipf.Uint64()] + " ")
		}
		return b.String()
	}
	var docs []store.DocumentWrite
	for i := range 60 {
		docs = append(docs, doc(fmt.Sprintf("d%02d.md", i), "", fmt.Sprint(i),
			text(8+rng.IntN(30)), text(8+rng.IntN(30)), text(8+rng.IntN(30)), text(8+rng.IntN(30)), text(8+rng.IntN(30))))
	}
	// One batch: the postings' reference length is then the current
	// average, so impact scores are BM25 scores.
	require.NoError(t, s.WriteDocuments(ctx, kb, docs))
	kb, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)
	for i := range 30 {
		q := text(3 + i%4)
		p := store.SearchParams{KB: kb, Query: q, Vector: []float32{1, 0, 0, 0}, SkipVector: true,
			Candidates: 30, PostingsFrom: 1, PostingsRead: 12}
		got, err := s.Search(ctx, p)
		require.NoError(t, err)
		p.ExactText = true
		want, err := s.Search(ctx, p)
		require.NoError(t, err)
		require.Len(t, want, 30)
		require.Equal(t, topTen(want), topTen(got), "%q", q)
	}
}

// topTen is the text list's top ten as textList has it.
func topTen(ps []core.Passage) map[int64]string {
	out := textList(ps)
	for _, p := range ps {
		if p.TextRank > 10 {
			delete(out, p.ChunkID)
		}
	}
	return out
}

// TestBulkLoadDefersPostingsUntilItEnds: between BeginBulkLoad and
// EndBulkLoad writes, replacements and deletes leave kb_terms and
// kb_postings empty; EndBulkLoad builds them to agree with the chunks;
// a knowledge base with chunks is no bulk load; and deleting a knowledge
// base takes its postings with it.
func TestBulkLoadDefersPostingsUntilItEnds(t *testing.T) {
	t.Parallel()
	s, kb := bulkKB(t)
	ctx := context.Background()
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("a.md", "Refunds", "1", "refund within 14 days", "annual plans refund"),
		doc("b.md", "Invoices", "1", "download the invoice", "tax receipt"),
		doc("c.md", "Login", "1", "reset the password"),
	}))
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("a.md", "Refunds", "2", "refund refund tax")}))
	_, err := s.DeleteDocuments(ctx, kb, []string{"c.md"})
	require.NoError(t, err)
	count := func(table string, id int64) (n int) {
		t.Helper()
		require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE kb_id = $1`, id).Scan(&n))
		return n
	}
	require.Zero(t, count("kb_postings", kb.ID))
	require.Zero(t, count("kb_terms", kb.ID))

	require.NoError(t, s.EndBulkLoad(ctx, kb))
	requireStats(t, s, kb, 3)
	requireSameText(t, s, kb)
	require.NoError(t, s.EndBulkLoad(ctx, kb), "a second end does nothing")
	requireStats(t, s, kb, 3)

	begun, err := s.BeginBulkLoad(ctx, kb)
	require.NoError(t, err)
	require.False(t, begun, "a knowledge base with chunks is loaded incrementally")
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("d.md", "Seats", "1", "add a seat")}))
	requireStats(t, s, kb, 4)

	ok, err := s.DeleteKB(ctx, "default", "help")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, count("kb_postings", kb.ID))
}

// TestBM25IsTheTextbookFormula pins the text list's scores to BM25 written
// out plainly over every lexeme of every chunk (k1 1.2, b 0.75, IDF from
// the knowledge base's document frequencies, field weights on the term
// frequency), so that a cheaper way of scoring cannot drift from it:
// questions with repeated words, quotes and backslashes, field weights
// on and off.
func TestBM25IsTheTextbookFormula(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	rng := rand.New(rand.NewPCG(5, 6))
	text := wordSalad(rng, `refund invoice charge plan annual seat account login password reset export billing card tax receipt o'brien back\slash`)
	var docs []store.DocumentWrite
	for i := range 20 {
		d := doc(fmt.Sprintf("d%02d.md", i), text(2), fmt.Sprint(i), text(3+rng.IntN(40)), text(3+rng.IntN(40)), text(1))
		d.Chunks[1].Heading = text(3)
		docs = append(docs, d)
	}
	require.NoError(t, s.WriteDocuments(ctx, kb, docs))
	kb, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)
	const textbook = `
		WITH kb AS (
			SELECT fts_config, greatest(chunk_count, 1)::float8 AS n,
			       greatest(lexeme_total::float8 / greatest(chunk_count, 1), 1) AS avgdl
			FROM knowledge_bases WHERE id = $1
		), q AS (
			SELECT t.lexeme, ln(1 + (kb.n - t.df + 0.5) / (t.df + 0.5)) AS idf
			FROM kb, unnest(to_tsvector(kb.fts_config, $2)) AS x
			JOIN kb_terms t ON t.kb_id = $1 AND t.lexeme = x.lexeme
		), occurrences AS (
			SELECT c.id, c.lexemes, u.lexeme, coalesce(array_length(u.positions, 1), 1)
			       + ($3 - 1) * (SELECT count(*) FROM unnest(u.weights) w WHERE w = 'A')
			       + ($4 - 1) * (SELECT count(*) FROM unnest(u.weights) w WHERE w = 'B') AS tf
			FROM chunks c, unnest(c.tsv) AS u WHERE c.kb_id = $1
		)
		SELECT o.id, sum(q.idf * o.tf * 2.2 / (o.tf + 1.2 * (0.25 + 0.75 * o.lexemes / kb.avgdl)))
		FROM kb, occurrences o JOIN q USING (lexeme)
		GROUP BY o.id`
	for _, question := range []string{"refund", "refund refund annual plan", `O'Brien's back\slash receipt`, "reset password for my account tax card", "nothing matches"} {
		for _, fields := range []store.Fields{store.DefaultFields, {Title: 3, Heading: 2}} {
			rows, err := dbtest.Owner(t, s).Query(ctx, textbook, kb.ID, question, fields.Title, fields.Heading)
			require.NoError(t, err)
			want := map[int64]float64{}
			for rows.Next() {
				var id int64
				var score float64
				require.NoError(t, rows.Scan(&id, &score))
				want[id] = score
			}
			require.NoError(t, rows.Err())
			if question == "refund" {
				require.NotEmpty(t, want)
			}
			for _, p := range []store.SearchParams{
				{Candidates: 100, Fields: fields},
				{Candidates: 100, Fields: fields, ExactText: true},
				{Candidates: 100, Fields: fields, PostingsFrom: 1, PostingsRead: 1000},
			} {
				p.KB, p.Query, p.Vector, p.SkipVector = kb, question, []float32{1, 0, 0, 0}, true
				got, err := s.Search(ctx, p)
				require.NoError(t, err)
				scores := map[int64]float64{}
				for _, g := range got {
					scores[g.ChunkID] = g.BM25
				}
				require.Len(t, scores, len(want), "%q %+v", question, p)
				for id, w := range want {
					require.InDelta(t, w, scores[id], 1e-9, "%q %+v chunk %d", question, fields, id)
				}
			}
		}
	}
}
