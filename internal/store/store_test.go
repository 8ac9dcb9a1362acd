package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

func newKB(t *testing.T, s *store.Store, name string) store.KB {
	t.Helper()
	kb, err := s.EnsureKB(context.Background(), store.KBParams{Tenant: "default", Name: name, Model: "test-4", Dim: 4})
	require.NoError(t, err)
	return kb
}

func doc(uri, title, hash string, texts ...string) store.DocumentWrite {
	d := store.DocumentWrite{SourceURI: uri, Title: title, ContentHash: hash}
	for i, text := range texts {
		v := []float32{0, 0, 0, 0}
		v[i%4] = 1
		d.Chunks = append(d.Chunks, store.ChunkWrite{Ordinal: i, Text: text, Tokens: 5, Embedding: v})
	}
	return d
}

func TestEnsureKBRejectsOtherEmbedder(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	again := newKB(t, s, "help")
	require.Equal(t, kb.ID, again.ID)

	_, err := s.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "help", Model: "test-4", Dim: 8})
	require.Equal(t, core.CodeEmbeddingMismatch, core.ErrorCode(err))
	_, err = s.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "help", Model: "other", Dim: 4})
	require.Equal(t, core.CodeEmbeddingMismatch, core.ErrorCode(err))

	_, err = s.KB(ctx, "default", "nope")
	require.Equal(t, core.CodeKBNotFound, core.ErrorCode(err))
}

func TestWriteReplaceDeleteKeepsStatistics(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")

	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("refunds.md", "Refunds", "h1", "Refunds are issued within 14 days.", "Annual plans are refunded pro rata."),
		doc("sso.md", "Single sign-on", "h2", "Configure SAML single sign-on under Settings."),
	}))
	hashes, err := s.DocumentHashes(ctx, kb)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"refunds.md": "h1", "sso.md": "h2"}, hashes)
	requireStats(t, s, kb, 3)

	// Replacing a document swaps its chunks and keeps df exact.
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("refunds.md", "Refunds", "h3", "Refunds are issued within 30 days."),
	}))
	requireStats(t, s, kb, 2)
	docs, err := s.Documents(ctx, kb)
	require.NoError(t, err)
	require.Len(t, docs, 2)
	require.Equal(t, "h3", docs[0].ContentHash)
	require.Equal(t, 1, docs[0].Chunks)

	n, err := s.DeleteDocuments(ctx, kb, []string{"refunds.md", "missing.md"})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	requireStats(t, s, kb, 1)

	after, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)
	require.Equal(t, int64(3), after.ContentVersion, "each write and delete moves the content version")
}

// requireStats checks the maintained BM25 statistics against a recount.
func requireStats(t *testing.T, s *store.Store, kb store.KB, chunks int64) {
	t.Helper()
	ctx := context.Background()
	var count, total, recount, retotal int64
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT chunk_count, lexeme_total FROM knowledge_bases WHERE id = $1`, kb.ID).Scan(&count, &total))
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `SELECT count(*), coalesce(sum(lexemes), 0) FROM chunks WHERE kb_id = $1`, kb.ID).Scan(&recount, &retotal))
	require.Equal(t, chunks, count)
	require.Equal(t, recount, count)
	require.Equal(t, retotal, total)
	var wrong int
	require.NoError(t, dbtest.Owner(t, s).QueryRow(ctx, `
		WITH real AS (SELECT u.lexeme, count(*)::int AS df FROM chunks c, unnest(c.tsv) u WHERE c.kb_id = $1 GROUP BY u.lexeme)
		SELECT count(*) FROM real FULL JOIN (SELECT lexeme, df FROM kb_terms WHERE kb_id = $1) k USING (lexeme)
		WHERE real.df IS DISTINCT FROM k.df`, kb.ID).Scan(&wrong))
	require.Zero(t, wrong, "kb_terms disagrees with the chunks")
	require.NoError(t, s.Pool().QueryRow(ctx, `
		WITH real AS (
			SELECT u.lexeme, bm25_impact(coalesce(array_length(u.positions, 1), 1), c.lexemes, k.bm25_avgdl) AS impact, c.id AS chunk_id
			FROM chunks c JOIN knowledge_bases k ON k.id = c.kb_id, unnest(c.tsv) u WHERE c.kb_id = $1)
		SELECT count(*) FROM real FULL JOIN (SELECT lexeme, impact, chunk_id FROM kb_postings WHERE kb_id = $1) p USING (lexeme, impact, chunk_id)
		WHERE real.chunk_id IS NULL OR p.chunk_id IS NULL`, kb.ID).Scan(&wrong))
	require.Zero(t, wrong, "kb_postings disagrees with the chunks")
}

func TestSearchRanksByBM25AndVector(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("refunds.md", "Refunds", "h1", "Refunds are issued within 14 days of the charge."),
		doc("invoices.md", "Invoices", "h2", "Download invoices as PDF from the billing page. Invoices list the charge."),
		doc("sso.md", "Single sign-on", "h3", "Configure SAML single sign-on under Settings."),
	}))
	got, err := s.Search(ctx, store.SearchParams{KB: kb, Query: "how do I get a refund?", Vector: []float32{0, 0, 1, 0}})
	require.NoError(t, err)
	byURI := map[string]core.Passage{}
	for _, p := range got {
		byURI[p.SourceURI] = p
	}
	require.Equal(t, 1, byURI["refunds.md"].TextRank, "only the refunds chunk matches 'refund'")
	require.Positive(t, byURI["refunds.md"].BM25)
	require.Zero(t, byURI["invoices.md"].TextRank)
	require.Len(t, got, 3, "every chunk is a vector candidate")
	for _, p := range got {
		require.Positive(t, p.VectorRank)
	}

	// 'charge' is in two chunks, 'refund' in one: rarer terms weigh more.
	got, err = s.Search(ctx, store.SearchParams{KB: kb, Query: "refund charge", Vector: []float32{1, 0, 0, 0}, SkipVector: true})
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, p := range got {
		require.Zero(t, p.VectorRank)
		if p.SourceURI == "refunds.md" {
			require.Equal(t, 1, p.TextRank)
		}
	}

	got, err = s.Search(ctx, store.SearchParams{KB: kb, Query: "refund", Vector: []float32{1, 0, 0, 0}, Filter: core.Filter{Metadata: map[string]core.AnyOf{"lang": {"de"}}}})
	require.NoError(t, err)
	require.Empty(t, got, "the filter matches no document")

	_, err = s.Search(ctx, store.SearchParams{KB: kb, Query: "refund", Vector: []float32{1, 0}})
	require.Equal(t, core.CodeEmbeddingMismatch, core.ErrorCode(err))
}

func TestSaveTurnScopesConversationToTenant(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	_, err := dbtest.Owner(t, s).Exec(ctx, `INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`)
	require.NoError(t, err)

	conv := uuid.NewString()
	turn := store.TurnWrite{Tenant: "default", ConversationID: conv, KBID: kb.ID, Question: "q1", Answer: "a1",
		Citations: []core.Citation{{DocumentID: 1, Document: "refunds.md"}}, Confidence: 0.8, Mode: core.ModeExtractive}
	id1, err := s.SaveTurn(ctx, turn)
	require.NoError(t, err)
	turn.Question = "q2"
	id2, err := s.SaveTurn(ctx, turn)
	require.NoError(t, err)
	require.Greater(t, id2, id1)

	turns, err := s.ConversationTurns(ctx, "default", conv, 10)
	require.NoError(t, err)
	require.Len(t, turns, 2)
	require.Equal(t, "q1", turns[0].Question)
	require.Equal(t, "refunds.md", turns[0].Citations[0].Document)

	_, err = s.ConversationTurns(ctx, "acme", conv, 10)
	require.Equal(t, core.CodeNotFound, core.ErrorCode(err))
	turn.Tenant = "acme"
	_, err = s.SaveTurn(ctx, turn)
	require.Equal(t, core.CodeNotFound, core.ErrorCode(err), "another tenant cannot append to the conversation")
}

// Evaluation turns are stored like any other but describe no customer:
// drift windows and golden-set candidates never see them.
func TestEvaluationTurnsStayOutOfDriftAndCandidates(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	for _, p := range []core.Purpose{"", core.PurposeSupport, core.PurposeEvaluation} {
		_, err := s.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID,
			Question: "asked for " + string(p), Answer: "a", Mode: core.ModeHandoff, ClientID: "eval", Purpose: p})
		require.NoError(t, err)
	}
	qs, err := s.DriftQuestions(ctx, store.DriftWindow{Tenant: "default", KB: "help", Count: 10})
	require.NoError(t, err)
	require.Len(t, qs, 2)
	require.Equal(t, []string{"asked for support", "asked for "}, []string{qs[0].Text, qs[1].Text})
	cands, err := s.Candidates(ctx, store.CandidateFilter{Tenant: "default", MinConfidence: 0.5, Limit: 10})
	require.NoError(t, err)
	require.Len(t, cands, 2)
	for _, c := range cands {
		require.NotEqual(t, "asked for evaluation", c.Question)
	}
}
