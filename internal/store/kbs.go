package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

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

// BeginBulkLoad prepares kb, when it holds no chunks, for a bulk load and
// reports whether it did: its HNSW index is dropped, and its BM25 term
// statistics and postings are deferred (migration 00022), so that the load
// pays for one index build and two set-based statements at the end
// (EndBulkLoad) instead of an insertion into the graph, a term upsert and
// ~56 random B-tree insertions per chunk. Until then vector search scans
// the knowledge base and full-text search finds nothing in it.
func (s *Store) BeginBulkLoad(ctx context.Context, kb KB) (bool, error) {
	var begun bool
	defer s.changedKB(kb.ID)
	err := s.inTx(ctx, kb.TenantID, "begin bulk load", func(tx pgx.Tx) error {
		if _, err := lockKB(ctx, tx, kb); err != nil {
			return err
		}
		var empty bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM chunks WHERE kb_id = $1)`, kb.ID).Scan(&empty); err != nil || !empty {
			return err
		}
		begun = true
		// Only the owner may drop indexes on chunks: drop_vector_index
		// (migration 00020) drops this one for an empty knowledge base of
		// the transaction's tenant.
		return execAll(ctx, tx, kb.ID, `SELECT drop_vector_index($1)`,
			`DELETE FROM kb_terms WHERE kb_id = $1`,
			`DELETE FROM kb_postings WHERE kb_id = $1`,
			`UPDATE knowledge_bases SET bm25_deferred = true WHERE id = $1`)
	})
	return begun, err
}

// EndBulkLoad completes what BeginBulkLoad deferred, after a load or one
// that stopped half way; otherwise it does nothing. kb_terms and kb_postings
// are built from the chunks exactly as WriteDocuments would have written
// them, the postings sorted by key so the B-tree takes them in order. The
// HNSW index is built when missing, with more memory than the default so
// that the graph of a large knowledge base fits in it. The two need
// nothing from each other and each is mostly one backend's CPU, so they
// run side by side in transactions of their own; the first error is
// returned once both have finished, and the next load repairs what is
// missing. What each built has its statistics gathered as soon as it is
// done (migration 00026): the chunks' after the index, beside the BM25
// build, which takes longer; the BM25 tables' after theirs. Autovacuum
// would come too late, and until it did the planner would take the new
// knowledge base for a few chunks and scan it instead of its index.
func (s *Store) EndBulkLoad(ctx context.Context, kb KB) error {
	analyze := func(what string) error {
		_, err := s.db.Exec(ctx, `SELECT analyze_`+what+`()`)
		return translate(err, "gather statistics after a bulk load")
	}
	var g errgroup.Group
	var postings, index bool
	g.Go(func() (err error) {
		if postings, err = s.buildBM25(ctx, kb); err != nil || !postings {
			return err
		}
		return analyze("bm25")
	})
	g.Go(func() (err error) {
		if index, err = s.buildVectorIndex(ctx, kb); err != nil || !index {
			return err
		}
		return analyze("chunks")
	})
	if err := g.Wait(); err != nil || !postings || index {
		return err
	}
	// The postings were built but the index was there already: the chunks
	// changed all the same.
	return analyze("chunks")
}

// buildBM25 writes kb_terms and kb_postings of a deferred knowledge base
// and reports whether it did.
func (s *Store) buildBM25(ctx context.Context, kb KB) (bool, error) {
	built := false
	err := s.inTx(ctx, kb.TenantID, "end bulk load", func(tx pgx.Tx) error {
		deferred, err := lockKB(ctx, tx, kb)
		if err != nil || !deferred {
			return err
		}
		built = true
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
			return err
		}
		return execAll(ctx, tx, kb.ID, `
			INSERT INTO kb_terms (kb_id, lexeme, df)
			SELECT $1, u.lexeme, count(*) FROM chunks c, unnest(c.tsv) AS u WHERE c.kb_id = $1
			GROUP BY u.lexeme ORDER BY u.lexeme`, `
			INSERT INTO kb_postings (kb_id, lexeme, impact, chunk_id)
			SELECT $1, u.lexeme, bm25_impact(coalesce(array_length(u.positions, 1), 1), c.lexemes, k.bm25_avgdl), c.id
			FROM chunks c JOIN knowledge_bases k ON k.id = c.kb_id, unnest(c.tsv) AS u WHERE c.kb_id = $1
			ORDER BY 2, 3, 4`, `
			UPDATE knowledge_bases SET bm25_deferred = false, content_version = content_version + 1, updated_at = now()
			WHERE id = $1`)
	})
	if built {
		s.changedKB(kb.ID)
	}
	return built && err == nil, err
}

// buildVectorIndex builds kb's HNSW index when it is missing and reports
// whether it did.
func (s *Store) buildVectorIndex(ctx context.Context, kb KB) (bool, error) {
	built := false
	err := s.inTx(ctx, kb.TenantID, "build vector index", func(tx pgx.Tx) error {
		var present bool
		err := tx.QueryRow(ctx, `SELECT to_regclass(format('chunks_hnsw_kb_%s', $1::bigint)) IS NOT NULL`, kb.ID).Scan(&present)
		if err != nil || present {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
			return err
		}
		built = true
		return ensureVectorIndex(ctx, tx, kb)
	})
	return built && err == nil, err
}

// execAll runs statements that each take the knowledge base's id as $1, in
// order and in one round trip.
func execAll(ctx context.Context, tx pgx.Tx, kb int64, stmts ...string) error {
	b := &pgx.Batch{}
	for _, q := range stmts {
		b.Queue(q, kb)
	}
	return tx.SendBatch(ctx, b).Close()
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
