package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/store"
)

// TestBulkLoadLeavesThePlannerItsStatistics: a bulk load fills a knowledge
// base faster than autovacuum notices, and without statistics the planner
// guesses that the knowledge base holds a handful of chunks, so it sorts
// them all by distance instead of walking the HNSW index EndBulkLoad built
// (100k chunks: 2.5 s instead of milliseconds). EndBulkLoad must leave the
// planner a row estimate close to the truth, and the nearest-neighbour
// query on the index.
func TestBulkLoadLeavesThePlannerItsStatistics(t *testing.T) {
	t.Parallel()
	s, kb := bulkKB(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	const docs, perDoc = 40, 50
	var batch []store.DocumentWrite
	for i := range docs {
		d := store.DocumentWrite{SourceURI: fmt.Sprintf("d%02d.md", i), Title: "Doc", ContentHash: "1"}
		for j := range perDoc {
			v := []float32{rng.Float32() - 0.5, rng.Float32() - 0.5, rng.Float32() - 0.5, rng.Float32() - 0.5}
			d.Chunks = append(d.Chunks, store.ChunkWrite{Ordinal: j, Text: fmt.Sprintf("refund seat %d", j), Tokens: 3, Embedding: v})
		}
		batch = append(batch, d)
	}
	require.NoError(t, s.WriteDocuments(ctx, kb, batch))
	require.NoError(t, s.EndBulkLoad(ctx, kb))

	owner := dbtest.Owner(t, s)
	explain := func(query string) map[string]any {
		t.Helper()
		var out []map[string]any
		var raw []byte
		require.NoError(t, owner.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+query).Scan(&raw))
		require.NoError(t, json.Unmarshal(raw, &out))
		return out[0]["Plan"].(map[string]any)
	}
	rows := explain(fmt.Sprintf(`SELECT id FROM chunks WHERE kb_id = %d`, kb.ID))["Plan Rows"].(float64)
	require.InDelta(t, docs*perDoc, rows, docs*perDoc/2, "the planner's estimate of the knowledge base's chunks")
	// Each chunk holds the lexemes "refund", "seat" and its number.
	postings := explain(fmt.Sprintf(`SELECT chunk_id FROM kb_postings WHERE kb_id = %d`, kb.ID))["Plan Rows"].(float64)
	require.InDelta(t, 3*docs*perDoc, postings, 3*docs*perDoc/2, "the planner's estimate of the knowledge base's postings")

	plan, err := json.Marshal(explain(fmt.Sprintf(`SELECT id FROM chunks
		WHERE kb_id = %[1]d AND embed_dim = 4 ORDER BY embedding::vector(4) <=> '[0.1,0.2,0.3,0.4]'::vector(4) LIMIT 10`, kb.ID)))
	require.NoError(t, err)
	require.Contains(t, string(plan), fmt.Sprintf(`"Index Name":"chunks_hnsw_kb_%d"`, kb.ID))
}

// TestBulkWritesRunSideBySide: while a bulk load is in progress a write
// takes the knowledge base's lock shared, so it does not wait for another
// bulk write in flight, but EndBulkLoad waits for that one to commit; once
// the load has ended, a write waits again. The statistics then agree with
// the chunks. A bulk write in flight is stood in for by a transaction
// holding the lock shared (key 7311 and the knowledge base's id, as the
// store takes it).
func TestBulkWritesRunSideBySide(t *testing.T) {
	t.Parallel()
	s, kb := bulkKB(t)
	ctx := context.Background()
	owner := dbtest.Owner(t, s)
	inFlight := func() (commit func()) {
		t.Helper()
		tx, err := owner.Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) }) // after a failure: the pool's close waits for it
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(7311, $1::int)`, kb.ID)
		require.NoError(t, err)
		return func() { require.NoError(t, tx.Commit(ctx)) }
	}
	waiting := func() bool {
		var n int
		require.NoError(t, owner.QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND classid = 7311 AND objid = $1 AND NOT granted`, kb.ID).Scan(&n))
		return n > 0
	}
	// in runs fn in the background and returns what waits for its error.
	in := func(fn func() error) (wait func() error) {
		done := make(chan error, 1)
		go func() { done <- fn() }()
		return func() error { return <-done }
	}

	commit := inFlight()
	// A deadline only so that a write that waits fails instead of hanging.
	short, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, s.WriteDocuments(short, kb, []store.DocumentWrite{doc("a.md", "Refunds", "1", "refund within 14 days")}),
		"a bulk write does not wait for another in flight")
	end := in(func() error { return s.EndBulkLoad(ctx, kb) })
	require.Eventually(t, waiting, time.Minute, 5*time.Millisecond, "EndBulkLoad waits for the write in flight")
	commit()
	require.NoError(t, end())
	requireStats(t, s, kb, 1)

	commit = inFlight()
	write := in(func() error {
		return s.WriteDocuments(ctx, kb, []store.DocumentWrite{doc("b.md", "Seats", "1", "add a seat")})
	})
	require.Eventually(t, waiting, time.Minute, 5*time.Millisecond, "after the load a write waits for the one in flight")
	commit()
	require.NoError(t, write())
	requireStats(t, s, kb, 2)
}

// bulkKB is a store with an empty knowledge base in a bulk load.
func bulkKB(t *testing.T) (*store.Store, store.KB) {
	t.Helper()
	s := dbtest.New(t)
	kb := newKB(t, s, "help")
	begun, err := s.BeginBulkLoad(context.Background(), kb)
	require.NoError(t, err)
	require.True(t, begun)
	return s, kb
}
