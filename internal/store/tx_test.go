package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// A knowledge base, its documents and the audit entry made in one InTx
// are rolled back together when the function fails.
func TestInTxRollsBackEveryOperation(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *store.Store) error {
		kb, err := tx.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "help", Model: "test-4", Dim: 4})
		require.NoError(t, err)
		require.NoError(t, tx.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("a.md", "A", "h1", "alpha text")}))
		require.NoError(t, tx.Audit(ctx, store.AuditEntry{Tenant: "default", Actor: "test", Action: "documents.upload", Target: kb.Name}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.KB(ctx, "default", "help")
	require.Equal(t, core.CodeKBNotFound, core.ErrorCode(err))
	log, err := s.AuditLog(ctx, "default", 10)
	require.NoError(t, err)
	require.Empty(t, log)
}

// Inside InTx a method's own transaction is a savepoint: a write the
// database refuses fails alone, later writes go on, and the rest commits.
func TestInTxKeepsTheRestWhenOneWriteFails(t *testing.T) {
	t.Parallel()
	s := dbtest.New(t)
	ctx := context.Background()
	err := s.InTx(ctx, func(tx *store.Store) error {
		kb, err := tx.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "help", Model: "test-4", Dim: 4})
		require.NoError(t, err)
		require.NoError(t, tx.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("a.md", "A", "h1", "alpha text")}))
		bad := doc("b.md", "B", "h2", "beta text")
		bad.Chunks[0].Embedding = []float32{1, 0} // the index holds 4 dimensions
		require.Error(t, tx.WriteDocuments(ctx, kb, []store.DocumentWrite{bad}))
		require.NoError(t, tx.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("c.md", "C", "h3", "gamma text")}))
		return tx.Audit(ctx, store.AuditEntry{Tenant: "default", Actor: "test", Action: "documents.upload", Target: kb.Name})
	})
	require.NoError(t, err)
	kb, err := s.KB(ctx, "default", "help")
	require.NoError(t, err)
	hashes, err := s.DocumentHashes(ctx, kb)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a.md": "h1", "c.md": "h3"}, hashes)
	log, err := s.AuditLog(ctx, "default", 10)
	require.NoError(t, err)
	require.Len(t, log, 1)
	require.Equal(t, "documents.upload", log[0].Action)
}
