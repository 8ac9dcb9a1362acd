package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
	// Embed and Database are the time in which the embedder's
	// EmbedDocuments, and at least one call into the store
	// (DocumentHashes, WriteDocuments and the vector index; a bulk load
	// writes two batches at once), were at work; Sync reads, chunks and
	// embeds the next batch while it writes one, so the two overlap each
	// other and the reading.
	Embed, Database time.Duration
	busy            *busySpans // when the embedder or the store was busy
}

// LoadAndChunk is the part of Sync's wall time spent neither in the
// embedder nor in the store: the wall time outside the union of their busy
// spans, which is reading and chunking that nothing overlapped.
func (r SyncRun) LoadAndChunk() time.Duration {
	if r.busy == nil {
		return r.Total
	}
	return r.Total - r.busy.total()
}

// busySpans are the intervals in which the embedder or the store worked;
// both record into it from their own goroutines.
type busySpans struct {
	mu    sync.Mutex
	now   func() time.Time // time.Now when nil
	spans [][2]time.Time
}

func (b *busySpans) clock() time.Time {
	if b.now == nil {
		return time.Now()
	}
	return b.now()
}

func (b *busySpans) add(start, end time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.spans = append(b.spans, [2]time.Time{start, end})
}

// total is the length of the union of the spans.
func (b *busySpans) total() time.Duration {
	b.mu.Lock()
	spans := slices.Clone(b.spans)
	b.mu.Unlock()
	slices.SortFunc(spans, func(x, y [2]time.Time) int { return x[0].Compare(y[0]) })
	var sum time.Duration
	var end time.Time
	for _, s := range spans {
		switch {
		case s[0].After(end):
			sum += s[1].Sub(s[0])
			end = s[1]
		case s[1].After(end):
			sum += s[1].Sub(end)
			end = s[1]
		}
	}
	return sum
}

// timed runs f, adding its span to own and to busy.
func timed(busy, own *busySpans, f func() error) error {
	start := busy.clock()
	err := f()
	end := busy.clock()
	own.add(start, end)
	busy.add(start, end)
	return err
}

// timedEmbedder records the spans spent embedding documents.
type timedEmbedder struct {
	embed.Embedder
	own, busy *busySpans
}

func (e timedEmbedder) EmbedDocuments(ctx context.Context, texts []string) (vecs [][]float32, err error) {
	err = timed(e.busy, e.own, func() error {
		vecs, err = e.Embedder.EmbedDocuments(ctx, texts)
		return err
	})
	return vecs, err
}

// timedWriter records the spans spent in the store, and keeps the chunks
// written in rows when rows is set. Sync may call it from two goroutines.
type timedWriter struct {
	ingest.Writer
	own, busy *busySpans
	rows      *chunkRows
}

// chunkRows are written chunks' texts and vectors, for the bare baseline.
type chunkRows struct {
	mu    sync.Mutex
	texts []string
	vecs  [][]float32
}

func (w timedWriter) BeginBulkLoad(ctx context.Context, kb store.KB) (begun bool, err error) {
	err = timed(w.busy, w.own, func() error {
		begun, err = w.Writer.BeginBulkLoad(ctx, kb)
		return err
	})
	return begun, err
}

func (w timedWriter) EndBulkLoad(ctx context.Context, kb store.KB) error {
	return timed(w.busy, w.own, func() error { return w.Writer.EndBulkLoad(ctx, kb) })
}

func (w timedWriter) DocumentHashes(ctx context.Context, kb store.KB) (hashes map[string]string, err error) {
	err = timed(w.busy, w.own, func() error {
		hashes, err = w.Writer.DocumentHashes(ctx, kb)
		return err
	})
	return hashes, err
}

func (w timedWriter) WriteDocuments(ctx context.Context, kb store.KB, docs []store.DocumentWrite) error {
	err := timed(w.busy, w.own, func() error { return w.Writer.WriteDocuments(ctx, kb, docs) })
	if w.rows != nil && err == nil {
		w.rows.mu.Lock()
		defer w.rows.mu.Unlock()
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
	run := SyncRun{Documents: len(files), busy: &busySpans{}}
	var inStore, inEmbedder busySpans
	syncer := ingest.NewSyncer(timedWriter{d.Store, &inStore, run.busy, rows},
		timedEmbedder{d.Embedder, &inEmbedder, run.busy}, d.Chunker, ingest.SyncerParams{})
	start := time.Now()
	step := max(len(files)/10, 1)
	rep, err := syncer.Sync(ctx, ingest.SyncParams{KB: kb, Files: files, Progress: func(done, total int, _ ingest.Result) {
		if done%step == 0 && done < total && time.Since(start) > 2*time.Second {
			d.progress("%s: %d/%d documents, %.0f s", what, done, total, time.Since(start).Seconds())
		}
	}})
	run.Total = time.Since(start)
	run.Database, run.Embed = inStore.total(), inEmbedder.total()
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
