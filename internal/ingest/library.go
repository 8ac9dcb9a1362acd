package ingest

import (
	"context"
	"fmt"
	"io"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/store"
)

// Catalog is the store's side of the library (store.Store). Every method
// fails with a coded core.Error.
type Catalog interface {
	// KB returns the tenant's knowledge base, or core.CodeKBNotFound.
	KB(ctx context.Context, tenant, name string) (store.KB, error)
	// KBs lists the tenant's knowledge bases by name.
	KBs(ctx context.Context, tenant string) ([]store.KB, error)
	// Documents lists a knowledge base's documents.
	Documents(ctx context.Context, kb store.KB) ([]store.Document, error)
	// QuarantinedDocuments lists kb's quarantined documents.
	QuarantinedDocuments(ctx context.Context, kb store.KB) ([]store.Document, error)
	// ReleaseDocument releases one: core.CodeNotFound for an unknown
	// document, core.CodeConflict for one that is not quarantined.
	ReleaseDocument(ctx context.Context, kb store.KB, id int64, actor string) (store.Document, error)
	// DocumentHashes maps every stored source URI of kb to its content hash.
	DocumentHashes(ctx context.Context, kb store.KB) (map[string]string, error)
	// KBStats counts a knowledge base's contents and use; RemoveKB deletes
	// one and audits it. Both: core.CodeKBNotFound for an unknown one.
	KBStats(ctx context.Context, tenant, name string) (store.KBStats, error)
	RemoveKB(ctx context.Context, tenant, name, actor string) error
	// InTx runs fn with a store bound to one transaction: a change
	// (creating the knowledge base, writing or deleting documents) and its
	// audit entry commit together or not at all.
	InTx(ctx context.Context, fn func(tx *store.Store) error) error
}

// Library serves knowledge bases to the API: listing, uploading and
// deleting documents, each change audited.
type Library struct {
	store    Catalog
	syncer   *Syncer
	model    string
	dim      int
	defaults store.Retrieval
}

// NewLibrary returns a Library that creates knowledge bases for e, with
// the retrieval settings defaults on record, and stores uploads through s.
func NewLibrary(c Catalog, s *Syncer, e embed.Embedder, defaults store.Retrieval) *Library {
	if c == nil || s == nil || e == nil {
		panic("ingest.NewLibrary: nil dependency")
	}
	return &Library{store: c, syncer: s, model: e.Model(), dim: e.Dimension(), defaults: defaults}
}

// KBParams are the parameters that create the tenant's knowledge base
// name for the library's embedder with its default retrieval settings.
func (l *Library) KBParams(tenant, name string) store.KBParams {
	r := l.defaults
	return store.KBParams{Tenant: tenant, Name: name, Model: l.model, Dim: l.dim, Retrieval: &r}
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
	var n int
	err = l.store.InTx(ctx, func(tx *store.Store) error {
		if n, err = tx.DeleteDocuments(ctx, kb, p.URIs); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{Tenant: p.Tenant, Actor: p.Actor, Action: "documents.delete",
			Target: kb.Name, Details: map[string]any{"uris": p.URIs, "deleted": n}})
	})
	return n, err
}

// Source is one uploaded document before it is loaded.
type Source struct {
	// Name becomes the document's source URI and picks its format.
	Name string
	// Open returns the document's bytes; Size is a hint (-1: unknown).
	Open func() (io.ReadCloser, error)
	Size int64
	// Title and Metadata, when set, describe the document in place of (or
	// besides) what its content says; Metadata must pass CheckMetadata.
	Title    string
	Metadata map[string]any
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

// Upload loads and stores every source on its own: one that fails to load,
// embed or write is a failed result and the rest go on. Documents are
// chunked and embedded first; then the knowledge base is created when
// absent, the documents written and the upload audited in one
// transaction. When none loads, nothing is written. The error is for
// failures of the whole upload (database down, an invalid knowledge base
// name, another embedder's knowledge base).
func (l *Library) Upload(ctx context.Context, p UploadParams) (Report, error) {
	results := make([]Result, len(p.Sources))
	var loaded []pending
	for i, src := range p.Sources {
		doc, err := src.load()
		if err != nil {
			results[i] = Result{SourceURI: src.Name, Outcome: Failed, Error: core.ErrorMessage(err)}
			continue
		}
		loaded = append(loaded, pending{at: i, doc: doc})
	}
	if len(loaded) == 0 {
		return reportOf(results), nil
	}
	known, err := l.known(ctx, p.Tenant, p.KB)
	if err != nil {
		return Report{}, err
	}
	staged, err := l.stage(ctx, loaded, known, results)
	if err != nil {
		return Report{}, err
	}
	err = l.store.InTx(ctx, func(tx *store.Store) error {
		kb, err := tx.EnsureKB(ctx, l.KBParams(p.Tenant, p.KB))
		if err != nil {
			return err
		}
		if err := write(ctx, tx, kb, staged, known, results); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{Tenant: p.Tenant, Actor: p.Actor, Action: "documents.upload",
			Target: kb.Name, Details: map[string]any{"counts": reportOf(results).Counts}})
	})
	if err != nil {
		return Report{}, err
	}
	for _, st := range loaded {
		l.syncer.observe(results[st.at])
	}
	return reportOf(results), nil
}

// pending is a loaded document at its place among the upload's sources;
// write is set once it is chunked and embedded.
type pending struct {
	at    int
	doc   Document
	write store.DocumentWrite
}

// known maps the stored documents of an existing knowledge base to their
// content hashes; a knowledge base still to be created holds none.
func (l *Library) known(ctx context.Context, tenant, name string) (map[string]string, error) {
	kb, err := l.store.KB(ctx, tenant, name)
	if core.ErrorCode(err) == core.CodeKBNotFound {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := store.CheckEmbedder(kb, l.model, l.dim); err != nil {
		return nil, err
	}
	return l.store.DocumentHashes(ctx, kb)
}

// stage chunks and embeds the documents that changed, one at a time, so
// that one the embedder refuses fails alone; unchanged and failed ones get
// their result.
func (l *Library) stage(ctx context.Context, loaded []pending, known map[string]string, results []Result) ([]pending, error) {
	var staged []pending
	for _, st := range loaded {
		if known[st.doc.SourceURI] == st.doc.ContentHash {
			results[st.at] = Result{SourceURI: st.doc.SourceURI, Outcome: Unchanged}
			continue
		}
		writes, err := l.syncer.prepare(ctx, []Document{st.doc})
		if err != nil {
			if fatal(ctx, err) {
				return nil, err
			}
			results[st.at] = Result{SourceURI: st.doc.SourceURI, Outcome: Failed, Error: err.Error()}
			continue
		}
		st.write = writes[0]
		staged = append(staged, st)
	}
	return staged, nil
}

// write stores each staged document in its own savepoint of tx.
func write(ctx context.Context, tx *store.Store, kb store.KB, staged []pending, known map[string]string, results []Result) error {
	for _, st := range staged {
		uri := st.doc.SourceURI
		if err := tx.WriteDocuments(ctx, kb, []store.DocumentWrite{st.write}); err != nil {
			if fatal(ctx, err) {
				return err
			}
			results[st.at] = Result{SourceURI: uri, Outcome: Failed, Error: core.ErrorMessage(err)}
			continue
		}
		outcome := Added
		if _, ok := known[uri]; ok {
			outcome = Updated
		}
		results[st.at] = Result{SourceURI: uri, Outcome: outcome, Chunks: len(st.write.Chunks), Flags: st.write.Flags}
	}
	return nil
}

// reportOf sums up results.
func reportOf(results []Result) Report {
	var rep Report
	for _, r := range results {
		rep.add(r)
	}
	return rep
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
	doc, err := Load(s.Name, r, s.Size)
	if err != nil || (s.Title == "" && len(s.Metadata) == 0) {
		return doc, err
	}
	return doc.describe(s.Title, s.Metadata), nil
}
