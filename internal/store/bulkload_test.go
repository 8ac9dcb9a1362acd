package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

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
	s := dbtest.New(t)
	ctx := context.Background()
	kb := newKB(t, s, "help")
	begun, err := s.BeginBulkLoad(ctx, kb)
	require.NoError(t, err)
	require.True(t, begun)
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

	plan, err := json.Marshal(explain(fmt.Sprintf(`SELECT id FROM chunks
		WHERE kb_id = %[1]d AND embed_dim = 4 ORDER BY embedding::vector(4) <=> '[0.1,0.2,0.3,0.4]'::vector(4) LIMIT 10`, kb.ID)))
	require.NoError(t, err)
	require.Contains(t, string(plan), fmt.Sprintf(`"Index Name":"chunks_hnsw_kb_%d"`, kb.ID))
}
