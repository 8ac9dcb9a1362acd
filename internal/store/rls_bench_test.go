package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// BenchmarkRowSecurity measures the hot path's two statements, a turn
// write and a hybrid search, as the application role (row-level security
// applies) and as the owner (it does not) on the same database, in the
// same run. Both go through the same store code, set_config included, so
// the difference is what the policies cost:
//
//	go test -run '^$' -bench RowSecurity -benchtime 2000x -count 3 ./internal/store
func BenchmarkRowSecurity(b *testing.B) {
	ctx := context.Background()
	dbURL := dbtest.NewURL(b)
	stores := map[string]*store.Store{}
	for role, u := range map[string]string{"app": dbURL, "owner": dbtest.OwnerURL(dbURL)} {
		s, err := store.Open(ctx, store.Params{URL: u, MaxConns: 2})
		require.NoError(b, err)
		b.Cleanup(s.Close)
		stores[role] = s
	}
	kb, err := stores["app"].EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "help", Model: "test-4", Dim: 4})
	require.NoError(b, err)
	var docs []store.DocumentWrite
	for i := range 200 {
		docs = append(docs, doc(fmt.Sprintf("d%d.md", i), "Doc", "h", fmt.Sprintf("refund policy %d for annual plans", i),
			fmt.Sprintf("password reset step %d", i)))
	}
	require.NoError(b, stores["app"].WriteDocuments(ctx, kb, docs))
	for _, role := range []string{"app", "owner"} {
		s := stores[role]
		b.Run("save_turn/"+role, func(b *testing.B) {
			for b.Loop() {
				_, err := s.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID,
					Question: "How do I get a refund?", Answer: "a", Mode: core.ModeExtractive})
				require.NoError(b, err)
			}
		})
		b.Run("search/"+role, func(b *testing.B) {
			for b.Loop() {
				hits, err := s.Search(ctx, store.SearchParams{KB: kb, Query: "refund annual plan", Vector: []float32{1, 0, 0, 0}, Candidates: 50})
				require.NoError(b, err)
				require.NotEmpty(b, hits)
			}
		})
	}
}
