package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"supportd/internal/core"
	"supportd/internal/embed"
	"supportd/internal/guard"
	"supportd/internal/store"
)

// Writer is the store's side of ingestion.
type Writer interface {
	// DocumentHashes maps every stored source URI of kb to its content hash.
	DocumentHashes(ctx context.Context, kb store.KB) (map[string]string, error)
	// WriteDocuments replaces the given documents and their chunks in one
	// transaction: all or nothing.
	WriteDocuments(ctx context.Context, kb store.KB, docs []store.DocumentWrite) error
	// DeleteDocuments removes documents by source URI and says how many existed.
	DeleteDocuments(ctx context.Context, kb store.KB, uris []string) (int, error)
	// BeginBulkLoad, when kb is empty, drops its vector index and defers
	// its BM25 statistics for a bulk load, and says whether it did.
	BeginBulkLoad(ctx context.Context, kb store.KB) (bool, error)
	// EndBulkLoad builds what a bulk load deferred, and kb's vector index
	// when it is missing; otherwise it does nothing.
	EndBulkLoad(ctx context.Context, kb store.KB) error
}

// Syncer brings a knowledge base in line with a set of source files:
// unchanged documents (same content hash) are skipped, new and changed ones
// are chunked, embedded and written, and with pruning, documents whose
// source is gone are removed.
type Syncer struct {
	store    Writer
	embedder embed.Embedder
	chunker  *Chunker
	batch    int
	writers  int
	observe  func(Result)
}

// SyncerParams configures a Syncer.
type SyncerParams struct {
	// Batch is how many documents are embedded and written per transaction.
	// Default 32.
	Batch int
	// Writers is how many batches a bulk load writes at once, each in a
	// transaction of its own (the store lets a bulk load's writes run side
	// by side); other syncs write one at a time. Default 2.
	Writers int
	// Observe, when set, is told every source's outcome (for metrics).
	Observe func(Result)
}

// NewSyncer returns a Syncer writing through w.
func NewSyncer(w Writer, e embed.Embedder, c *Chunker, p SyncerParams) *Syncer {
	if w == nil || e == nil || c == nil {
		panic("ingest.NewSyncer: nil dependency")
	}
	if p.Observe == nil {
		p.Observe = func(Result) {}
	}
	return &Syncer{store: w, embedder: e, chunker: c, batch: cmp.Or(p.Batch, 32),
		writers: max(cmp.Or(p.Writers, 2), 1), observe: p.Observe}
}

// Outcome is what happened to one source.
type Outcome string

// Outcomes of a source in a sync.
const (
	Added     Outcome = "added"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Pruned    Outcome = "pruned"
	Failed    Outcome = "failed"
)

// Result is one source's outcome; Error is set when it failed.
type Result struct {
	SourceURI string  `json:"uri"`
	Outcome   Outcome `json:"outcome"`
	Chunks    int     `json:"chunks,omitempty"`
	Error     string  `json:"error,omitempty"`
	// Flags name instruction-like text aimed at a model found in the
	// document: it is stored, but deserves a look before customers see it.
	Flags []string `json:"flags,omitempty"`
}

// Report sums up a sync.
type Report struct {
	Results []Result        `json:"results"`
	Counts  map[Outcome]int `json:"counts"`
	Chunks  int             `json:"chunks"`
}

// Failed reports whether any source failed.
func (r Report) Failed() bool { return r.Counts[Failed] > 0 }

func (r *Report) add(res Result) {
	if r.Counts == nil {
		r.Counts = map[Outcome]int{}
	}
	r.Results = append(r.Results, res)
	r.Counts[res.Outcome]++
	r.Chunks += res.Chunks
}

// SyncParams is one sync run.
type SyncParams struct {
	KB    store.KB
	Files []File
	Prune bool
	// Progress, when set, is called after each source is settled.
	Progress func(done, total int, r Result)
}

// Sync loads, chunks, embeds and stores p.Files. A file that cannot be read
// or parsed is reported by name and skipped; the rest continue. A failed
// batch write is reported for each of its documents. The returned error is
// for failures that stop the whole run (database down, cancelled).
//
// A sync of more than one batch into an empty knowledge base is a bulk
// load: the vector index is dropped first and built once at the end, which
// is several times cheaper than growing it chunk by chunk, and the BM25
// term statistics and postings are built once at the end from the stored
// chunks. Every sync (and upload) ends by completing what a bulk load
// deferred, so one that stopped half way is repaired by the next.
func (s *Syncer) Sync(ctx context.Context, p SyncParams) (rep Report, err error) {
	known, err := s.store.DocumentHashes(ctx, p.KB)
	if err != nil {
		return rep, err
	}
	writers := 1
	if len(known) == 0 && len(p.Files) > s.batch {
		begun, err := s.store.BeginBulkLoad(ctx, p.KB)
		if err != nil {
			return rep, err
		}
		if begun {
			writers = s.writers
		}
	}
	defer func() {
		// Built even when the sync failed or was cancelled: a knowledge
		// base must not be left without its index and postings.
		err = errors.Join(err, s.store.EndBulkLoad(context.WithoutCancel(ctx), p.KB))
	}()
	total := len(p.Files)
	done := 0
	var mu sync.Mutex // held to settle: the writers share rep, done and known
	settle := func(res Result) {
		s.observe(res)
		rep.add(res)
		done++
		if p.Progress != nil {
			p.Progress(done, total, res)
		}
	}
	// This goroutine (and in a bulk load more writers) writes batches
	// while the next are read, chunked and embedded, so the database and
	// Go work side by side.
	batches := make(chan batch, writers)
	var producer sync.WaitGroup
	defer producer.Wait() // after cancel: a producer blocked on sending sees it
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	producer.Go(func() { s.produce(gctx, p.Files, maps.Clone(known), batches) })
	write := func(b batch) error {
		mu.Lock()
		for _, res := range b.settled {
			settle(res)
		}
		mu.Unlock()
		if b.err != nil {
			return b.err
		}
		return s.write(gctx, p.KB, b, &mu, known, settle)
	}
	// Batches are written one at a time until one has stored chunks: the
	// first chunks set the knowledge base's BM25 reference length (store,
	// migration 00018), which must not depend on which of two batches
	// commits first. (No other goroutine settles yet.)
	for rep.Chunks == 0 {
		b, ok := <-batches
		if !ok {
			break
		}
		if err := write(b); err != nil {
			return rep, err
		}
	}
	for range writers {
		g.Go(func() error {
			for b := range batches {
				if err := write(b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if p.Prune {
		if err := s.prune(ctx, p, known, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Upsert stores one already-loaded document (the upload API's path) and
// says whether it was added, updated or unchanged.
func (s *Syncer) Upsert(ctx context.Context, kb store.KB, doc Document) (Result, error) {
	known, err := s.store.DocumentHashes(ctx, kb)
	if err != nil {
		return Result{}, err
	}
	if known[doc.SourceURI] == doc.ContentHash {
		res := Result{SourceURI: doc.SourceURI, Outcome: Unchanged}
		s.observe(res)
		return res, nil
	}
	var res Result
	err = s.flush(ctx, kb, []Document{doc}, known, func(r Result) { res = r; s.observe(r) })
	// A bulk load that stopped half way is completed by the next write.
	err = errors.Join(err, s.store.EndBulkLoad(context.WithoutCancel(ctx), kb))
	if err == nil && res.Outcome == Failed {
		err = core.Errorf(core.CodeInvalid, "%s", res.Error)
	}
	return res, err
}

// batch is one step of a sync: sources settled without a write (failed to
// load, unchanged), then documents prepared for one write. err stops the
// run.
type batch struct {
	settled []Result
	docs    []Document
	writes  []store.DocumentWrite
	prepErr error // chunking or embedding failed: the documents fail
	err     error
}

// produce loads files, skips those known unchanged and sends batches of
// prepared documents, closing out when done or ctx is cancelled.
func (s *Syncer) produce(ctx context.Context, files []File, known map[string]string, out chan<- batch) {
	defer close(out)
	send := func(b batch) bool {
		if len(b.docs) > 0 {
			b.writes, b.prepErr = s.prepare(ctx, b.docs)
		}
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var b batch
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			send(batch{settled: b.settled, err: err})
			return
		}
		doc, err := loadFile(f)
		switch {
		case err != nil:
			b.settled = append(b.settled, Result{SourceURI: f.SourceURI, Outcome: Failed, Error: core.ErrorMessage(err)})
		case known[doc.SourceURI] == doc.ContentHash:
			b.settled = append(b.settled, Result{SourceURI: doc.SourceURI, Outcome: Unchanged})
		default:
			b.docs = append(b.docs, doc)
		}
		if len(b.docs) >= s.batch {
			if !send(b) {
				return
			}
			b = batch{}
		}
	}
	send(b)
}

// flush prepares and writes one batch (the upload API's path).
func (s *Syncer) flush(ctx context.Context, kb store.KB, docs []Document, known map[string]string, settle func(Result)) error {
	b := batch{docs: docs}
	b.writes, b.prepErr = s.prepare(ctx, docs)
	return s.write(ctx, kb, b, new(sync.Mutex), known, settle)
}

// write stores one prepared batch. An embedding failure marks the batch's
// documents as failed and the run goes on; a database outage or
// cancellation stops it. It holds mu to read and update known and to
// settle.
func (s *Syncer) write(ctx context.Context, kb store.KB, b batch, mu *sync.Mutex, known map[string]string, settle func(Result)) error {
	docs, writes, err := b.docs, b.writes, b.prepErr
	if len(docs) == 0 {
		return nil
	}
	if err == nil {
		err = s.store.WriteDocuments(ctx, kb, writes)
	}
	if err != nil {
		if fatal(ctx, err) {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range docs {
			settle(Result{SourceURI: d.SourceURI, Outcome: Failed, Error: err.Error()})
		}
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	for i, d := range docs {
		outcome := Added
		if _, ok := known[d.SourceURI]; ok {
			outcome = Updated
		}
		known[d.SourceURI] = d.ContentHash
		settle(Result{SourceURI: d.SourceURI, Outcome: outcome, Chunks: len(writes[i].Chunks), Flags: writes[i].Flags})
	}
	return nil
}

// fatal reports errors after which no later batch can succeed either.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || core.ErrorCode(err) == core.CodeUnavailable || errors.Is(err, context.Canceled)
}

// prepare chunks the documents, on every core, and embeds every chunk in
// one call per batch.
func (s *Syncer) prepare(ctx context.Context, docs []Document) ([]store.DocumentWrite, error) {
	writes := make([]store.DocumentWrite, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, d := range docs {
		g.Go(func() error {
			w := store.DocumentWrite{SourceURI: d.SourceURI, Title: d.Title, ContentHash: d.ContentHash, Metadata: d.Metadata,
				Flags: guard.InstructionLike(d.Text)}
			for _, c := range s.chunker.Split(d) {
				w.Chunks = append(w.Chunks, store.ChunkWrite{Ordinal: c.Ordinal, Heading: c.Heading, Text: c.Text, Tokens: c.Tokens})
			}
			writes[i] = w
			return nil
		})
	}
	_ = g.Wait() // the workers return no errors
	var texts []string
	for i, w := range writes {
		for _, c := range w.Chunks {
			texts = append(texts, IndexText(docs[i].Title, c.Heading, c.Text))
		}
	}
	vecs, err := s.embedder.EmbedDocuments(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embed %d chunks: %w", len(texts), err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("embedder returned %d vectors for %d chunks", len(vecs), len(texts))
	}
	n := 0
	for i := range writes {
		for j := range writes[i].Chunks {
			writes[i].Chunks[j].Embedding = vecs[n]
			n++
		}
	}
	return writes, nil
}

// IndexText is what a chunk is embedded as: the chunk with its document
// title and heading path, which often carry the words a question uses.
// Full-text search indexes the same three as separate fields.
func IndexText(title, heading, text string) string {
	parts := []string{title}
	if heading != "" {
		parts = append(parts, heading)
	}
	return strings.Join(append(parts, text), "\n")
}

// prune removes stored documents whose source was not among the files.
// Files that failed to load still count as present: a parse error must not
// delete the last good version.
func (s *Syncer) prune(ctx context.Context, p SyncParams, known map[string]string, rep *Report) error {
	present := make(map[string]bool, len(p.Files))
	for _, f := range p.Files {
		present[f.SourceURI] = true
	}
	var gone []string
	for uri := range known {
		if !present[uri] {
			gone = append(gone, uri)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if _, err := s.store.DeleteDocuments(ctx, p.KB, gone); err != nil {
		return err
	}
	for _, uri := range gone {
		s.observe(Result{SourceURI: uri, Outcome: Pruned})
		rep.add(Result{SourceURI: uri, Outcome: Pruned})
	}
	return nil
}

func loadFile(f File) (Document, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return Document{}, core.Wrap(core.CodeInvalid, err, fmt.Sprintf("%s: cannot open", f.SourceURI))
	}
	defer fh.Close()
	size := int64(-1)
	if st, err := fh.Stat(); err == nil {
		size = st.Size()
	}
	return Load(f.SourceURI, fh, size)
}
