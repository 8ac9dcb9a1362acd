package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"supportd/internal/ingest"
)

// IngestParams is one ingestion benchmark.
type IngestParams struct {
	Chunks int // target chunk count of the synthetic corpus
	Seed   uint64
}

// Command is the command line that repeats the run.
func (p IngestParams) Command() string {
	return fmt.Sprintf("supportd bench ingest --chunks %d --seed %d", p.Chunks, p.Seed)
}

// KBName is the run's own knowledge base.
func (p IngestParams) KBName() string { return fmt.Sprintf("bench-ingest-%d-%d", p.Seed, p.Chunks) }

// IngestReport is the outcome of Ingest.
type IngestReport struct {
	Params   IngestParams
	Setup    string
	Articles int
	Expected int           // chunks the generator aimed for
	Tokens   int           // estimated body tokens
	Generate time.Duration // generating and writing the files; not measured
	First    SyncRun       // into the empty knowledge base
	// Bare is the baseline of the same run: a bare COPY of the first
	// sync's chunks (text and vector) and an HNSW index built over them.
	Bare  time.Duration
	Again SyncRun // the same files again: every document unchanged
}

// Ingest generates a synthetic corpus of about p.Chunks chunks, writes it
// to a temporary folder as Markdown files and syncs it with the real
// Syncer (loader, chunker, embedder, COPY into the store) into a knowledge
// base emptied first; then syncs the same files again to time the
// unchanged-document skip, and deletes the knowledge base.
func Ingest(ctx context.Context, d Deps, p IngestParams) (IngestReport, error) {
	rep := IngestReport{Params: p}
	if err := d.check(); err != nil {
		return rep, err
	}
	if p.Chunks <= 0 {
		return rep, fmt.Errorf("bench ingest: --chunks must be positive")
	}
	var err error
	if rep.Setup, err = d.setup(ctx); err != nil {
		return rep, err
	}
	start := time.Now()
	d.progress("generating a corpus of about %d chunks", p.Chunks)
	corpus := Synthetic(SyntheticParams{Seed: p.Seed, Chunks: p.Chunks, ChunkTokens: d.Settings.ChunkTokens, Tokens: d.Chunker.CountTokens})
	files, cleanup, err := writeCorpus(corpus)
	if err != nil {
		return rep, err
	}
	defer cleanup()
	rep.Articles, rep.Expected, rep.Tokens, rep.Generate = len(corpus.Articles), corpus.Chunks, corpus.Tokens, time.Since(start)

	kb, err := d.freshKB(ctx, p.KBName())
	if err != nil {
		return rep, err
	}
	var rows chunkRows
	if rep.First, err = d.syncKeeping(ctx, kb, files, "first sync", &rows); err != nil {
		return rep, err
	}
	d.progress("bare baseline: COPY and CREATE INDEX of the %d chunks", len(rows.texts))
	if rep.Bare, err = d.Store.BareLoad(ctx, d.Embedder.Dimension(), rows.texts, rows.vecs); err != nil {
		return rep, err
	}
	if rep.Again, err = d.sync(ctx, kb, files, "unchanged re-sync"); err != nil {
		return rep, err
	}
	// The chunks would otherwise stay in the HNSW index every knowledge
	// base of this dimension shares, and slow other searches down.
	_, err = d.Store.DeleteKB(ctx, d.Tenant, p.KBName())
	return rep, err
}

// writeCorpus writes c to a new temporary folder and lists its files; the
// returned function removes the folder.
func writeCorpus(c Corpus) ([]ingest.File, func(), error) {
	dir, err := os.MkdirTemp("", "supportd-bench-")
	if err != nil {
		return nil, nil, fmt.Errorf("create a folder for the corpus: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	if err := c.WriteFiles(dir); err != nil {
		cleanup()
		return nil, nil, err
	}
	files, err := ingest.Discover(dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return files, cleanup, nil
}

// WriteMarkdown prints the report.
func (r IngestReport) WriteMarkdown(w io.Writer) {
	header(w, "Ingestion", r.Params.Command(), r.Params.KBName(), r.Setup)
	fmt.Fprintf(w, "corpus: %d synthetic articles, %d chunks expected, %.1f M tokens (generated and written to disk in %s s, not counted)\n\n",
		r.Articles, r.Expected, float64(r.Tokens)/1e6, seconds(r.Generate))
	t := newTable("pass", "documents", "chunks written", "seconds", "chunks/s", "documents/s", "load + chunk s", "embed s", "database s")
	for _, row := range []struct {
		name string
		run  SyncRun
	}{{"first sync (empty knowledge base)", r.First}, {"re-sync, all unchanged", r.Again}} {
		docs := fmt.Sprintf("%d", row.run.Documents)
		if row.run.Skipped > 0 {
			docs = fmt.Sprintf("%d (%d skipped)", row.run.Documents, row.run.Skipped)
		}
		t.add(row.name, docs, fmt.Sprintf("%d", row.run.Chunks), seconds(row.run.Total), rate(row.run.Chunks, row.run.Total),
			rate(row.run.Documents, row.run.Total), seconds(row.run.LoadAndChunk()), seconds(row.run.Embed), seconds(row.run.Database))
	}
	t.write(w)
	fmt.Fprintf(w, "\nbare COPY + CREATE INDEX of the same rows, same run: %s s; first sync / bare = %.1f× (goal ≤ 1.5×)\n",
		seconds(r.Bare), r.First.Total.Seconds()/max(r.Bare.Seconds(), 1e-9))
	fmt.Fprintln(w, "\nembed and database are the time inside the embedder and the store (DocumentHashes, WriteDocuments: COPY, tsvector, BM25 statistics and postings, commit; and the HNSW build after a bulk load). Sync reads, chunks and embeds the next batch while the store writes one, so these overlap; load + chunk is the wall time left outside both.")
}

// RatioRows are ingestion's rows of the benchmark table: the first sync's
// throughput, and its time against a bare COPY + CREATE INDEX of the same
// rows in the same run.
func (r IngestReport) RatioRows() []RatioRow {
	return []RatioRow{
		NewRatioRow("ingestion, built-in embedder", "chunks/s", float64(r.First.Chunks)/max(r.First.Total.Seconds(), 1e-9), "", 0, AtLeast(2000)),
		NewRatioRow("ingestion time vs a bare load", "s", r.First.Total.Seconds(), "bare COPY + CREATE INDEX of the same rows", r.Bare.Seconds(), RatioAtMost(1.5)),
	}
}
