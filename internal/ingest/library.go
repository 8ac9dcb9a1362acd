package ingest

import (
	"context"
	"fmt"
	"io"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/store"
)

// Catalog is the store's side of the library: knowledge bases, their
// documents and the audit log.
type Catalog interface {
	// KB returns the tenant's knowledge base, or core.CodeKBNotFound.
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	// KBs lists the tenant's knowledge bases by name.
	KBs(ctx context.Context, tenant string) ([]store.KB, error)
	// EnsureKB returns the named knowledge base, creating it when absent;
	// another embedder's knowledge base is core.CodeEmbeddingMismatch.
	EnsureKB(ctx context.Context, p store.KBParams) (store.KB, error)
	// Documents lists a knowledge base's documents.
	Documents(ctx context.Context, kb store.KB) ([]store.Document, error)
	// DeleteDocuments removes documents by source URI and says how many
	// existed.
	DeleteDocuments(ctx context.Context, kb store.KB, uris []string) (int, error)
	// Audit records an action.
	Audit(ctx context.Context, e store.AuditEntry) error
}

// Library serves knowledge bases to the API: listing, uploading and
// deleting documents, each change audited.
type Library struct {
	store  Catalog
	syncer *Syncer
	model  string
	dim    int
}

// NewLibrary returns a Library that creates knowledge bases for e and
// stores uploads through s.
func NewLibrary(c Catalog, s *Syncer, e embed.Embedder) *Library {
	if c == nil || s == nil || e == nil {
		panic("ingest.NewLibrary: nil dependency")
	}
	return &Library{store: c, syncer: s, model: e.Model(), dim: e.Dimension()}
}

// KBs lists the tenant's knowledge bases by name.
func (l *Library) KBs(ctx context.Context, tenant string) ([]store.KB, error) {
	return l.store.KBs(ctx, tenant)
}

// Documents returns the named knowledge base with its documents, or
// core.CodeKBNotFound.
func (l *Library) Documents(ctx context.Context, tenant, kb string) (store.KB, []store.Document, error) {
	k, err := l.store.KB(ctx, tenant, kb)
	if err != nil {
		return store.KB{}, nil, err
	}
	docs, err := l.store.Documents(ctx, k)
	return k, docs, err
}

// DeleteParams names documents to delete and who asks.
type DeleteParams struct {
	Tenant, KB, Actor string
	URIs              []string
}

// Delete removes documents by source URI and says how many existed. An
// unknown knowledge base is core.CodeKBNotFound.
func (l *Library) Delete(ctx context.Context, p DeleteParams) (int, error) {
	if len(p.URIs) == 0 {
		return 0, core.Errorf(core.CodeInvalid, "name the documents to delete")
	}
	kb, err := l.store.KB(ctx, p.Tenant, p.KB)
	if err != nil {
		return 0, err
	}
	n, err := l.store.DeleteDocuments(ctx, kb, p.URIs)
	if err != nil {
		return 0, err
	}
	return n, l.store.Audit(ctx, store.AuditEntry{Tenant: p.Tenant, Actor: p.Actor, Action: "documents.delete",
		Target: kb.Name, Details: map[string]any{"uris": p.URIs, "deleted": n}})
}

// Source is one uploaded document before it is loaded.
type Source struct {
	// Name becomes the document's source URI and picks its format.
	Name string
	// Open returns the document's bytes; Size is a hint (-1: unknown).
	Open func() (io.ReadCloser, error)
	Size int64
	// Err, when set, is why the request could not hand this document over
	// (a missing name, say); it becomes a failed result.
	Err error
}

// UploadParams is one upload into a knowledge base, created on first
// upload.
type UploadParams struct {
	Tenant, KB, Actor string
	Sources           []Source
}

// Upload loads and stores every source on its own: one that fails to load
// or embed is a failed result and the rest go on. When none loads, the
// knowledge base is not created. The error is for failures that stop the
// whole upload (database down, an invalid knowledge base name).
func (l *Library) Upload(ctx context.Context, p UploadParams) (Report, error) {
	var rep Report
	var docs []Document
	for _, src := range p.Sources {
		doc, err := src.load()
		if err != nil {
			rep.add(Result{SourceURI: src.Name, Outcome: Failed, Error: core.ErrorMessage(err)})
			continue
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return rep, nil
	}
	kb, err := l.store.EnsureKB(ctx, store.KBParams{Tenant: p.Tenant, Name: p.KB, Model: l.model, Dim: l.dim})
	if err != nil {
		return rep, err
	}
	for _, doc := range docs {
		res, err := l.syncer.Upsert(ctx, kb, doc)
		if err != nil {
			if core.ErrorCode(err) == core.CodeUnavailable {
				return rep, err
			}
			res = Result{SourceURI: doc.SourceURI, Outcome: Failed, Error: core.ErrorMessage(err)}
		}
		rep.add(res)
	}
	return rep, l.store.Audit(ctx, store.AuditEntry{Tenant: p.Tenant, Actor: p.Actor, Action: "documents.upload",
		Target: kb.Name, Details: map[string]any{"counts": rep.Counts}})
}

// load opens and loads one source.
func (s Source) load() (Document, error) {
	if s.Err != nil {
		return Document{}, s.Err
	}
	r, err := s.Open()
	if err != nil {
		return Document{}, core.Wrap(core.CodeInvalid, err, fmt.Sprintf("%q: cannot read the upload", s.Name))
	}
	defer r.Close()
	return Load(s.Name, r, s.Size)
}
