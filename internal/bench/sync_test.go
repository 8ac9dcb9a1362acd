package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/ingest"
	"supportd/internal/store"
)

// Embedding and writing overlap each other: the part of a sync spent in
// neither is the wall time outside the union of their busy spans, never
// the wall time minus both sums (which goes negative when they overlap).
func TestLoadAndChunkCountsOverlappingWorkOnce(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var busy busySpans
	busy.add(at(1), at(5)) // embedding 1–5 s
	busy.add(at(3), at(8)) // writing 3–8 s, overlapping it
	busy.add(at(4), at(6)) // inside both
	busy.add(at(10), at(12))
	run := SyncRun{Total: 15 * time.Second, Embed: 4 * time.Second, Database: 9 * time.Second, busy: &busy}
	// Busy 1–8 and 10–12: 9 s of 15, so 6 s for reading and chunking.
	require.Equal(t, 6*time.Second, run.LoadAndChunk())

	var none busySpans
	require.Equal(t, 15*time.Second, SyncRun{Total: 15 * time.Second, busy: &none}.LoadAndChunk())
}

func TestTimedSpansAddToTheirOwnAndTheUnion(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(2 * time.Second); return now }
	var busy, own busySpans
	busy.now = clock
	err := timed(&busy, &own, func() error { return nil })
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, own.total())
	require.Equal(t, 2*time.Second, busy.total())
}

// Two batches written at once count as the time at least one was in the
// store, not the sum of both, and keep every chunk for the bare baseline.
func TestTimedWriterCountsWritesSideBySideOnce(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	var own busySpans
	own.add(t0, t0.Add(3*time.Second))
	own.add(t0.Add(time.Second), t0.Add(4*time.Second))
	require.Equal(t, 4*time.Second, own.total())

	var busy busySpans
	rows := &chunkRows{}
	w := timedWriter{Writer: nopWriter{}, own: &own, busy: &busy, rows: rows}
	var done sync.WaitGroup
	for i := range 8 {
		done.Go(func() {
			doc := store.DocumentWrite{Chunks: []store.ChunkWrite{{Text: fmt.Sprint(i)}, {Text: fmt.Sprint(i)}}}
			require.NoError(t, w.WriteDocuments(context.Background(), store.KB{}, []store.DocumentWrite{doc}))
		})
	}
	done.Wait()
	require.Len(t, rows.texts, 16)
	require.Len(t, rows.vecs, 16)
}

// nopWriter stores nothing.
type nopWriter struct{ ingest.Writer }

func (nopWriter) WriteDocuments(context.Context, store.KB, []store.DocumentWrite) error { return nil }
