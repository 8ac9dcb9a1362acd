package store

import (
	"context"
	"errors"
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
	// Retrieval is nil until `supportd tune` records settings; the
	// embedder's defaults apply meanwhile.
	Retrieval *Retrieval `json:"-"`
}

// KBParams names a knowledge base and the embedder that fills it.
type KBParams struct {
	Tenant string
	Name   string
	Model  string
	Dim    int
	// Retrieval, when set, is recorded with a knowledge base this call
	// creates (the configured defaults, so the settings in force are on
	// record from the start); an existing one keeps its own.
	Retrieval *Retrieval
}

// validKBName mirrors the knowledge_bases.name check constraint, so a bad
// name gets a clear message before it reaches the database.
var validKBName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

const kbColumns = `id, tenant_id, name, embed_model, embed_dim, fts_config::text, content_version, chunk_count, created_at, retrieval`

func scanKB(row pgx.Row) (KB, error) {
	var kb KB
	err := row.Scan(&kb.ID, &kb.TenantID, &kb.Name, &kb.EmbedModel, &kb.EmbedDim, &kb.FTSConfig,
		&kb.ContentVersion, &kb.ChunkCount, &kb.CreatedAt, &kb.Retrieval)
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
	err := s.inTx(ctx, p.Tenant, "create knowledge base", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO knowledge_bases (tenant_id, name, embed_model, embed_dim, retrieval)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, name) DO NOTHING`,
			p.Tenant, p.Name, p.Model, p.Dim, p.Retrieval)
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
	fix := "re-create the knowledge base or configure its embedder"
	if kb.EmbedDim == dim {
		fix = fmt.Sprintf("run 'supportd reembed --kb %s' to embed its chunks again, or configure its embedder", kb.Name)
	}
	return core.Errorf(core.CodeEmbeddingMismatch,
		"knowledge base %q holds %d-dimensional vectors from %q, but the configured embedder is %q with %d dimensions; %s",
		kb.Name, kb.EmbedDim, kb.EmbedModel, model, dim, fix)
}

// ensureVectorIndex creates the knowledge base's own HNSW index: partial on
// its kb_id, over a typed cast of the dimension-less embedding column. One
// index per knowledge base keeps a small knowledge base fast beside a large
// one: a shared index would make every search walk the large one's graph
// and filter it away. Only the tables' owner may create indexes, so the
// owner's create_vector_index (migration 00020) does it, for a knowledge
// base of the transaction's tenant only.
func ensureVectorIndex(ctx context.Context, tx pgx.Tx, kb KB) error {
	_, err := tx.Exec(ctx, `SELECT create_vector_index($1)`, kb.ID)
	return err
}

// DeferVectorIndex drops kb's HNSW index when kb holds no chunks, so that a
// bulk load into it pays for one index build at the end (EnsureVectorIndex)
// instead of an insertion into the graph per chunk; it reports whether it
// did. Until the index is back, vector search scans the knowledge base.
func (s *Store) DeferVectorIndex(ctx context.Context, kb KB) (bool, error) {
	var dropped bool
	err := s.inTx(ctx, kb.TenantID, "defer vector index", func(tx pgx.Tx) error {
		if err := lockKB(ctx, tx, kb); err != nil {
			return err
		}
		var empty bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM chunks WHERE kb_id = $1)`, kb.ID).Scan(&empty); err != nil || !empty {
			return err
		}
		dropped = true
		// Only the owner may drop indexes on chunks: drop_vector_index
		// (migration 00020) drops this one for an empty knowledge base of
		// the transaction's tenant.
		_, err := tx.Exec(ctx, `SELECT drop_vector_index($1)`, kb.ID)
		return err
	})
	return dropped, err
}

// EnsureVectorIndex builds kb's HNSW index when it is missing (after
// DeferVectorIndex, or a load that stopped half way); otherwise it does
// nothing. The build gets more memory than the default so that the graph
// of a large knowledge base fits in it.
func (s *Store) EnsureVectorIndex(ctx context.Context, kb KB) error {
	return s.inTx(ctx, kb.TenantID, "build vector index", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
			return err
		}
		return ensureVectorIndex(ctx, tx, kb)
	})
}

// KB returns the tenant's knowledge base by name, or core.CodeKBNotFound.
func (s *Store) KB(ctx context.Context, tenant, name string) (KB, error) {
	kb, err := scanKB(s.as(tenant).QueryRow(ctx, `SELECT `+kbColumns+` FROM knowledge_bases
		WHERE tenant_id = $1 AND name = $2`, tenant, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return KB{}, core.Errorf(core.CodeKBNotFound, "knowledge base %q does not exist", name)
	}
	return kb, translate(err, "read knowledge base")
}

// KBs lists the tenant's knowledge bases by name.
func (s *Store) KBs(ctx context.Context, tenant string) ([]KB, error) {
	rows, err := s.as(tenant).Query(ctx, `SELECT `+kbColumns+` FROM knowledge_bases
		WHERE tenant_id = $1 ORDER BY name`, tenant)
	if err != nil {
		return nil, translate(err, "list knowledge bases")
	}
	kbs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (KB, error) { return scanKB(r) })
	return kbs, translate(err, "list knowledge bases")
}

// KBStats is what a knowledge base holds and how it has been used.
type KBStats struct {
	KB            KB         `json:"kb"`
	Documents     int64      `json:"documents"`
	Chunks        int64      `json:"chunks"`
	Conversations int64      `json:"conversations"`
	Turns         int64      `json:"turns"`
	LastTurnAt    *time.Time `json:"last_turn_at"`
}

// KBStats counts the tenant's knowledge base's documents, chunks,
// conversations and turns; an unknown one is core.CodeKBNotFound.
func (s *Store) KBStats(ctx context.Context, tenant, name string) (KBStats, error) {
	kb, err := s.KB(ctx, tenant, name)
	if err != nil {
		return KBStats{}, err
	}
	st := KBStats{KB: kb, Chunks: kb.ChunkCount}
	err = s.as(tenant).QueryRow(ctx, `SELECT
		(SELECT count(*) FROM documents WHERE kb_id = $1),
		(SELECT count(*) FROM conversations WHERE kb_id = $1),
		(SELECT count(*) FROM turns WHERE kb_id = $1),
		(SELECT max(created_at) FROM turns WHERE kb_id = $1)`, kb.ID).
		Scan(&st.Documents, &st.Conversations, &st.Turns, &st.LastTurnAt)
	return st, translate(err, "count knowledge base")
}

// RemoveKB deletes the tenant's knowledge base with its documents, chunks
// and vector index, and audits it, in one transaction. Conversations and
// turns stay, no longer tied to it. An unknown one is core.CodeKBNotFound.
func (s *Store) RemoveKB(ctx context.Context, tenant, name, actor string) error {
	defer s.changed(Change{Table: TableKBs}) // by name: any of them
	return s.inTx(ctx, tenant, "delete knowledge base", func(tx pgx.Tx) error {
		chunks, ok, err := dropKB(ctx, tx, tenant, name)
		if err != nil {
			return err
		}
		if !ok {
			return core.Errorf(core.CodeKBNotFound, "knowledge base %q does not exist", name)
		}
		return audit(ctx, tx, AuditEntry{Tenant: tenant, Actor: actor, Action: "kb.delete", Target: name,
			Details: map[string]any{"chunks": chunks}})
	})
}

// dropKB deletes a knowledge base (its rows cascade) and its vector index,
// returning how many chunks it held and whether it existed.
func dropKB(ctx context.Context, q querier, tenant, name string) (chunks int64, ok bool, err error) {
	var id int64
	err = q.QueryRow(ctx, `DELETE FROM knowledge_bases WHERE tenant_id = $1 AND name = $2
		RETURNING id, chunk_count`, tenant, name).Scan(&id, &chunks)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	_, err = q.Exec(ctx, `SELECT drop_vector_index($1)`, id)
	return chunks, true, err
}
