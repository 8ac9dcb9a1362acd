package store

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// KB is a knowledge base: a tenant's collection of documents, embedded by
// one model at one dimension.
type KB struct {
	ID             int64     `json:"-"`
	TenantID       string    `json:"tenant"`
	Name           string    `json:"name"`
	EmbedModel     string    `json:"embed_model"`
	EmbedDim       int       `json:"embed_dim"`
	FTSConfig      string    `json:"fts_config"`
	ContentVersion int64     `json:"content_version"`
	ChunkCount     int64     `json:"chunk_count"`
	CreatedAt      time.Time `json:"created_at"`
}

// KBParams names a knowledge base and the embedder that fills it.
type KBParams struct {
	Tenant string
	Name   string
	Model  string
	Dim    int
}

// validKBName mirrors the knowledge_bases.name check constraint, so a bad
// name gets a clear message before it reaches the database.
var validKBName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

const kbColumns = `id, tenant_id, name, embed_model, embed_dim, fts_config::text, content_version, chunk_count, created_at`

func scanKB(row pgx.Row) (KB, error) {
	var kb KB
	err := row.Scan(&kb.ID, &kb.TenantID, &kb.Name, &kb.EmbedModel, &kb.EmbedDim, &kb.FTSConfig,
		&kb.ContentVersion, &kb.ChunkCount, &kb.CreatedAt)
	return kb, err
}

// EnsureKB returns the named knowledge base, creating it for the given
// embedder when absent. A knowledge base that exists with another model or
// dimension is a core.CodeEmbeddingMismatch error: its vectors would not
// be comparable with the embedder's.
func (s *Store) EnsureKB(ctx context.Context, p KBParams) (KB, error) {
	if !validKBName.MatchString(p.Name) {
		return KB{}, core.Errorf(core.CodeInvalid,
			"knowledge base name %q is invalid: use a-z, 0-9, '.', '_' and '-', starting with a letter or digit, up to 63 characters", p.Name)
	}
	var kb KB
	err := s.inTx(ctx, "create knowledge base", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO knowledge_bases (tenant_id, name, embed_model, embed_dim)
			VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, name) DO NOTHING`,
			p.Tenant, p.Name, p.Model, p.Dim)
		if err != nil {
			return err
		}
		kb, err = scanKB(tx.QueryRow(ctx, `SELECT `+kbColumns+` FROM knowledge_bases
			WHERE tenant_id = $1 AND name = $2`, p.Tenant, p.Name))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return ensureVectorIndex(ctx, tx, kb)
	})
	if err != nil {
		return KB{}, err
	}
	return kb, CheckEmbedder(kb, p.Model, p.Dim)
}

// CheckEmbedder fails with core.CodeEmbeddingMismatch when kb was
// embedded by another model or at another dimension.
func CheckEmbedder(kb KB, model string, dim int) error {
	if kb.EmbedModel == model && kb.EmbedDim == dim {
		return nil
	}
	return core.Errorf(core.CodeEmbeddingMismatch,
		"knowledge base %q holds %d-dimensional vectors from %q, but the configured embedder is %q with %d dimensions; re-create the knowledge base or configure its embedder",
		kb.Name, kb.EmbedDim, kb.EmbedModel, model, dim)
}

// ensureVectorIndex creates the knowledge base's own HNSW index: partial on
// its kb_id, over a typed cast of the dimension-less embedding column. One
// index per knowledge base keeps a small knowledge base fast beside a large
// one: a shared index would make every search walk the large one's graph
// and filter it away. The ids are formatted into the DDL because indexes
// and their predicates take literals; both come from the database row.
func ensureVectorIndex(ctx context.Context, tx pgx.Tx, kb KB) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON chunks
		USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WHERE kb_id = %d`, vectorIndex(kb.ID), kb.EmbedDim, kb.ID))
	return err
}

func vectorIndex(kbID int64) string { return fmt.Sprintf("chunks_hnsw_kb_%d", kbID) }

// KB returns the tenant's knowledge base by name, or core.CodeKBNotFound.
func (s *Store) KB(ctx context.Context, tenant, name string) (KB, error) {
	kb, err := scanKB(s.db.QueryRow(ctx, `SELECT `+kbColumns+` FROM knowledge_bases
		WHERE tenant_id = $1 AND name = $2`, tenant, name))
	if err == pgx.ErrNoRows {
		return KB{}, core.Errorf(core.CodeKBNotFound, "knowledge base %q does not exist", name)
	}
	return kb, translate(err, "read knowledge base")
}

// KBs lists the tenant's knowledge bases by name.
func (s *Store) KBs(ctx context.Context, tenant string) ([]KB, error) {
	rows, err := s.db.Query(ctx, `SELECT `+kbColumns+` FROM knowledge_bases
		WHERE tenant_id = $1 ORDER BY name`, tenant)
	if err != nil {
		return nil, translate(err, "list knowledge bases")
	}
	kbs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KB, error) { return scanKB(r) })
	return kbs, translate(err, "list knowledge bases")
}
