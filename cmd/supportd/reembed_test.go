package main

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/embed"
	"supportd/internal/ingest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// A database from before the embedder's recipe changed: its knowledge base
// is refused with a message naming the way out, and reembed brings it back
// with exactly the vectors a fresh ingestion would write.
func TestReembedRevivesAKnowledgeBaseOfAnOlderRecipe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := testkit.DemoURL(t)
	getenv := environ("DATABASE_URL=" + dbURL)

	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	// What the previous release left: another model name, other vectors.
	_, err = dbtest.Owner(t, st).Exec(ctx, `UPDATE knowledge_bases SET embed_model = 'hash-v1-384' WHERE name = 'demo'`)
	require.NoError(t, err)
	_, err = dbtest.Owner(t, st).Exec(ctx, `UPDATE chunks SET embedding = (SELECT embedding FROM chunks ORDER BY id LIMIT 1)`)
	require.NoError(t, err)

	r := runCmd(t, getenv, "ingest", "--kb", "demo", testkit.DemoCorpus())
	require.ErrorContains(t, r.err, `holds 384-dimensional vectors from "hash-v1-384", but the configured embedder is "hash-v2-384"`)
	require.ErrorContains(t, r.err, "run 'supportd reembed --kb demo' to embed its chunks again")

	r = runCmd(t, getenv, "reembed", "--kb", "demo")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	kb, err := st.KB(ctx, "default", "demo")
	require.NoError(t, err)
	require.Equal(t, "kb demo: 272 chunks re-embedded, hash-v1-384 → hash-v2-384\n", r.stdout)
	require.Equal(t, "hash-v2-384", kb.EmbedModel)

	h, err := embed.NewHashing(embed.DefaultHashingDimension)
	require.NoError(t, err)
	chunks, err := st.ChunkTexts(ctx, kb)
	require.NoError(t, err)
	for _, i := range []int{0, len(chunks) / 2, len(chunks) - 1} {
		c := chunks[i]
		want, err := h.EmbedQuery(ctx, ingest.IndexText(c.Title, c.Heading, c.Text))
		require.NoError(t, err)
		var got pgvector.Vector
		require.NoError(t, dbtest.Owner(t, st).QueryRow(ctx, `SELECT embedding FROM chunks WHERE id = $1`, c.ID).Scan(&got))
		require.InDeltaSlice(t, want, got.Slice(), 1e-6, "chunk %d", c.ID)
	}
	rows, err := dbtest.Owner(t, st).Query(ctx, `SELECT action FROM audit_log WHERE target = 'demo' ORDER BY id`)
	require.NoError(t, err)
	actions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Contains(t, actions, "kb.reembed")

	r = runCmd(t, getenv, "ingest", "--kb", "demo", testkit.DemoCorpus())
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	r = runCmd(t, getenv, "reembed", "--kb", "demo")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Equal(t, "kb demo: already embedded by hash-v2-384\n", r.stdout)

	r = runCmd(t, getenv, "reembed")
	require.ErrorContains(t, r.err, "--kb is required")
	r = runCmd(t, getenv, "reembed", "--kb", "nope")
	require.ErrorContains(t, r.err, "nope")
}
