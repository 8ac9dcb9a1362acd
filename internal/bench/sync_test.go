package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

func TestTimedSpansAddToTheirSumAndTheUnion(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(2 * time.Second); return now }
	var busy busySpans
	busy.now = clock
	var spent time.Duration
	err := timed(&busy, &spent, func() error { return nil })
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, spent)
	require.Equal(t, 2*time.Second, busy.total())
}
