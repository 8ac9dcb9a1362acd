package ingest

import (
	"context"

	"supportd/internal/store"
)

// Quarantined returns the named knowledge base with its quarantined
// documents: flagged at ingestion and not released, so retrieval skips
// them. An unknown knowledge base is core.CodeKBNotFound.
func (l *Library) Quarantined(ctx context.Context, tenant, kb string) (store.KB, []store.Document, error) {
	k, err := l.store.KB(ctx, tenant, kb)
	if err != nil {
		return store.KB{}, nil, err
	}
	docs, err := l.store.QuarantinedDocuments(ctx, k)
	return k, docs, err
}

// ReleaseParams names a quarantined document to release and who does.
type ReleaseParams struct {
	Tenant, KB, Actor string
	DocumentID        int64
}

// Release lets retrieval serve a quarantined document again, at its
// current content, and audits it. An unknown document is
// core.CodeNotFound, one that is not quarantined core.CodeConflict.
func (l *Library) Release(ctx context.Context, p ReleaseParams) (store.Document, error) {
	k, err := l.store.KB(ctx, p.Tenant, p.KB)
	if err != nil {
		return store.Document{}, err
	}
	return l.store.ReleaseDocument(ctx, k, p.DocumentID, p.Actor)
}
