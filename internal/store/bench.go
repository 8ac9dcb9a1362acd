package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"supportd/internal/core"
)

// DeleteKB removes the tenant's named knowledge base with its documents,
// chunks and term statistics, and says whether it existed. Conversations and
// turns that referred to it keep their rows with the reference cleared. The
// benchmarks use it to start each run from an empty knowledge base.
func (s *Store) DeleteKB(ctx context.Context, tenant, name string) (bool, error) {
	defer s.changed(Change{Table: TableKBs}) // by name: any of them
	_, ok, err := dropKB(ctx, s.as(tenant), tenant, name)
	return ok, translate(err, "delete knowledge base")
}

// ServerVersion names the PostgreSQL and pgvector versions, such as
// "PostgreSQL 16.4, pgvector 0.8.0", so benchmark figures say what they
// were measured on.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var pg, vec string
	err := s.db.QueryRow(ctx, `SELECT current_setting('server_version'),
		coalesce((SELECT extversion FROM pg_extension WHERE extname = 'vector'), 'absent')`).Scan(&pg, &vec)
	if err != nil {
		return "", translate(err, "read server version")
	}
	return fmt.Sprintf("PostgreSQL %s, pgvector %s", pg, vec), nil
}

// ExactNeighbours returns the ids of kb's k chunks nearest to vec by cosine
// distance, by scanning every chunk: the ground truth for measuring the
// HNSW index's recall. The "+ 0" keeps the ordering out of reach of any
// index whatever the session's planner settings or cached plans.
func (s *Store) ExactNeighbours(ctx context.Context, kb KB, vec []float32, k int) ([]int64, error) {
	return s.neighbours(ctx, kb, vec, k, "+ 0, c.id")
}

// Neighbours returns the ids of kb's k chunks nearest to vec through its
// HNSW index, in one bare query: the baseline retrieval latency is
// measured against.
func (s *Store) Neighbours(ctx context.Context, kb KB, vec []float32, k int) ([]int64, error) {
	return s.neighbours(ctx, kb, vec, k, "")
}

func (s *Store) neighbours(ctx context.Context, kb KB, vec []float32, k int, order string) ([]int64, error) {
	if len(vec) != kb.EmbedDim {
		return nil, core.Errorf(core.CodeEmbeddingMismatch,
			"query vector has %d dimensions; knowledge base %q stores %d", len(vec), kb.Name, kb.EmbedDim)
	}
	rows, err := s.as(kb.TenantID).Query(ctx, fmt.Sprintf(`
		SELECT c.id FROM chunks c
		WHERE c.kb_id = %[2]d AND c.embed_dim = %[1]d
		ORDER BY (c.embedding::vector(%[1]d) <=> $1::vector(%[1]d)) %[3]s
		LIMIT $2`, kb.EmbedDim, kb.ID, order), pgvector.NewVector(vec), k)
	if err != nil {
		return nil, translate(err, "nearest neighbours")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, translate(err, "nearest neighbours")
}

// BareLoad times the floor of ingestion for rows of (text, vector): a COPY
// into a table of its own and an HNSW index built over it with the memory
// EndBulkLoad gives its builds. The table is rolled back. It is a
// temporary table because the application role may not create tables (row-
// level security, migration 00020); a temporary table writes no WAL, so the
// baseline is if anything faster than a real bare load.
func (s *Store) BareLoad(ctx context.Context, dim int, texts []string, vecs [][]float32) (time.Duration, error) {
	rows := make([][]any, len(texts))
	for i := range texts {
		rows[i] = []any{texts[i], pgvector.NewVector(vecs[i])}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, translate(err, "bare load")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	start := time.Now()
	_, err = tx.Exec(ctx, fmt.Sprintf(`SET LOCAL maintenance_work_mem = '512MB';
		CREATE TEMP TABLE bench_bare_load (id bigint GENERATED ALWAYS AS IDENTITY, text text, embedding vector(%d))`, dim))
	if err == nil {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"bench_bare_load"}, []string{"text", "embedding"}, pgx.CopyFromRows(rows))
	}
	if err == nil {
		_, err = tx.Exec(ctx, `CREATE INDEX ON bench_bare_load USING hnsw (embedding vector_cosine_ops)`)
	}
	return time.Since(start), translate(err, "bare load")
}
