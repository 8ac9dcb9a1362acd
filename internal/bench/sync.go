package bench

import (
	"context"
	"fmt"
	"time"

	"supportd/internal/embed"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

// SyncRun is one timed Syncer.Sync over a set of files.
type SyncRun struct {
	Documents int // files offered
	Written   int // added or updated
	Skipped   int // unchanged
	Chunks    int // chunks written
	Total     time.Duration
	// Embed and Database are the time spent inside the embedder's
	// EmbedDocuments and the store (DocumentHashes, WriteDocuments and the
	// vector index); Sync reads, chunks and embeds the next batch while it
	// writes one, so the two overlap each other and the reading.
	Embed, Database time.Duration
}

// LoadAndChunk is the part of Sync's wall time spent neither in the
// embedder nor in the store: reading and chunking that nothing overlapped.
func (r SyncRun) LoadAndChunk() time.Duration { return r.Total - r.Embed - r.Database }

// timedEmbedder adds the time spent embedding documents to spent. Sync calls
// it from one goroutine.
type timedEmbedder struct {
	embed.Embedder
	spent *time.Duration
}

func (e timedEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	defer func() { *e.spent += time.Since(start) }()
	return e.Embedder.EmbedDocuments(ctx, texts)
}

// timedWriter adds the time spent in the store to spent, and keeps the
// chunks written in rows when rows is set.
type timedWriter struct {
	ingest.Writer
	spent *time.Duration
	rows  *chunkRows
}

// chunkRows are written chunks' texts and vectors, for the bare baseline.
type chunkRows struct {
	texts []string
	vecs  [][]float32
}

func (w timedWriter) BeginBulkLoad(ctx context.Context, kb store.KB) (bool, error) {
	start := time.Now()
	defer func() { *w.spent += time.Since(start) }()
	return w.Writer.BeginBulkLoad(ctx, kb)
}

func (w timedWriter) EndBulkLoad(ctx context.Context, kb store.KB) error {
	start := time.Now()
	defer func() { *w.spent += time.Since(start) }()
	return w.Writer.EndBulkLoad(ctx, kb)
}

func (w timedWriter) DocumentHashes(ctx context.Context, kb store.KB) (map[string]string, error) {
	start := time.Now()
	defer func() { *w.spent += time.Since(start) }()
	return w.Writer.DocumentHashes(ctx, kb)
}

func (w timedWriter) WriteDocuments(ctx context.Context, kb store.KB, docs []store.DocumentWrite) error {
	start := time.Now()
	err := w.Writer.WriteDocuments(ctx, kb, docs)
	*w.spent += time.Since(start)
	if w.rows != nil && err == nil {
		for _, d := range docs {
			for _, c := range d.Chunks {
				w.rows.texts = append(w.rows.texts, c.Text)
				w.rows.vecs = append(w.rows.vecs, c.Embedding)
			}
		}
	}
	return err
}

// sync runs the real Syncer over files with its embedder and store timed,
// reporting progress about every tenth of the files once it has run a few
// seconds. Any failed file fails
// the run: figures over a partial corpus would mislead.
func (d Deps) sync(ctx context.Context, kb store.KB, files []ingest.File, what string) (SyncRun, error) {
	return d.syncKeeping(ctx, kb, files, what, nil)
}

// syncKeeping is sync, keeping the chunks written in rows when set.
func (d Deps) syncKeeping(ctx context.Context, kb store.KB, files []ingest.File, what string, rows *chunkRows) (SyncRun, error) {
	run := SyncRun{Documents: len(files)}
	syncer := ingest.NewSyncer(timedWriter{d.Store, &run.Database, rows}, timedEmbedder{d.Embedder, &run.Embed}, d.Chunker, ingest.SyncerParams{})
	start := time.Now()
	step := max(len(files)/10, 1)
	rep, err := syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files, Progress: func(done, total int, _ ingest.Result) {
		if done%step == 0 && done < total && time.Since(start) > 2*time.Second {
			d.progress("%s: %d/%d documents, %.0f s", what, done, total, time.Since(start).Seconds())
		}
	}})
	run.Total = time.Since(start)
	if err != nil {
		return run, fmt.Errorf("%s: %w", what, err)
	}
	for _, r := range rep.Results {
		if r.Outcome == ingest.Failed {
			return run, fmt.Errorf("%s: %s failed: %s", what, r.SourceURI, r.Error)
		}
	}
	run.Written = rep.Counts[ingest.Added] + rep.Counts[ingest.Updated]
	run.Skipped = rep.Counts[ingest.Unchanged]
	run.Chunks = rep.Chunks
	return run, nil
}
