package ingest

import (
	"context"

	"supportd/internal/core"
	"supportd/internal/store"
)

// CreateKB creates an empty knowledge base for the library's embedder and
// audits it; one that exists is core.CodeConflict.
func (l *Library) CreateKB(ctx context.Context, tenant, name, actor string) (store.KB, error) {
	var kb store.KB
	err := l.store.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.KB(ctx, tenant, name)
		if err == nil {
			return core.Errorf(core.CodeConflict, "knowledge base %q already exists", name)
		}
		if core.ErrorCode(err) != core.CodeKBNotFound {
			return err
		}
		if kb, err = tx.EnsureKB(ctx, l.KBParams(tenant, name)); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{Tenant: tenant, Actor: actor, Action: "kb.create", Target: name,
			Details: map[string]any{"embed_model": l.model, "embed_dim": l.dim}})
	})
	return kb, err
}

// RemoveKB deletes a knowledge base with its documents and audits it.
func (l *Library) RemoveKB(ctx context.Context, tenant, name, actor string) error {
	return l.store.RemoveKB(ctx, tenant, name, actor)
}

// Stats counts a knowledge base's documents, chunks, conversations and
// turns.
func (l *Library) Stats(ctx context.Context, tenant, name string) (store.KBStats, error) {
	return l.store.KBStats(ctx, tenant, name)
}
