package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

func TestReembedReplacesEveryVectorAndTheModel(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	require.NoError(t, s.WriteDocuments(ctx, kb, []store.DocumentWrite{
		doc("refunds.md", "Refunds", "h1", "Refunds are issued within 14 days.", "Annual plans are refunded pro rata."),
		doc("sso.md", "Single sign-on", "h2", "Configure SAML single sign-on under Settings."),
	}))
	kb, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)

	chunks, err := s.ChunkTexts(ctx, kb)
	require.NoError(t, err)
	require.Len(t, chunks, 3)
	require.Equal(t, store.ChunkText{ID: chunks[0].ID, Title: "Refunds", Text: "Refunds are issued within 14 days."}, chunks[0])
	ids := []int64{chunks[0].ID, chunks[1].ID, chunks[2].ID}

	// Every chunk must be given, at the knowledge base's dimension; a
	// refusal changes nothing.
	_, err = s.Reembed(ctx, kb, "test-4b", ids[:2], [][]float32{{0, 0, 0, 1}, {0, 0, 0, 1}})
	require.Equal(t, core.CodeInvalid, core.ErrorCode(err))
	_, err = s.Reembed(ctx, kb, "test-4b", ids, [][]float32{{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 1}})
	require.Equal(t, core.CodeInvalid, core.ErrorCode(err))
	same, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)
	require.Equal(t, kb, same)

	// Every chunk now points along the last axis: a query there finds all
	// three at similarity 1.
	updated, err := s.Reembed(ctx, kb, "test-4b", ids, [][]float32{{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}})
	require.NoError(t, err)
	require.Equal(t, "test-4b", updated.EmbedModel)
	require.Equal(t, kb.ContentVersion+1, updated.ContentVersion)
	require.NoError(t, store.CheckEmbedder(updated, "test-4b", 4))
	ps, err := s.Search(ctx, store.SearchParams{KB: updated, Query: "zzz", Vector: []float32{0, 0, 0, 1}})
	require.NoError(t, err)
	require.Len(t, ps, 3)
	for _, p := range ps {
		require.InDelta(t, 1, p.Similarity, 1e-6)
	}

	err = store.CheckEmbedder(updated, "test-4", 4)
	require.ErrorContains(t, err, "run 'supportd reembed --kb help'")
	err = store.CheckEmbedder(updated, "test-4b", 8)
	require.ErrorContains(t, err, "re-create the knowledge base")
}
