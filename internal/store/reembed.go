package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"supportd/internal/core"
)

// ChunkText is one chunk's id and what its embedded text is made of: its
// document's title, its heading and its text.
type ChunkText struct {
	ID      int64
	Title   string
	Heading string
	Text    string
}

// ChunkTexts returns every chunk of kb with its document's title, in id
// order: what Reembed needs to embed them again.
func (s *Store) ChunkTexts(ctx context.Context, kb KB) ([]ChunkText, error) {
	rows, err := s.as(kb.TenantID).Query(ctx, `SELECT c.id, d.title, c.heading, c.text FROM chunks c
		JOIN documents d ON d.id = c.document_id WHERE c.kb_id = $1 ORDER BY c.id`, kb.ID)
	if err != nil {
		return nil, translate(err, "read chunk texts")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ChunkText])
	return out, translate(err, "read chunk texts")
}

// Reembed replaces the embeddings of kb's chunks (vecs[i] is the vector of
// the chunk with ids[i]) and records model as the knowledge base's
// embedder, in one transaction, bumping its content version so cached
// answers are not served from the old vectors. Every chunk of kb must be
// given, each vector of kb's dimension: a knowledge base is never left
// half in one model's space and half in another's. It returns the updated
// knowledge base; a missing chunk or a wrong dimension is core.CodeInvalid.
func (s *Store) Reembed(ctx context.Context, kb KB, model string, ids []int64, vecs [][]float32) (KB, error) {
	defer s.changedKB(kb.ID)
	if len(ids) != len(vecs) {
		return kb, core.Errorf(core.CodeInvalid, "re-embed %q: %d chunk ids but %d vectors", kb.Name, len(ids), len(vecs))
	}
	for _, v := range vecs {
		if len(v) != kb.EmbedDim {
			return kb, core.Errorf(core.CodeInvalid, "re-embed %q: a %d-dimensional vector for a knowledge base of %d dimensions", kb.Name, len(v), kb.EmbedDim)
		}
	}
	var out KB
	err := s.inTx(ctx, kb.TenantID, "re-embed knowledge base", func(tx pgx.Tx) error {
		var total int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM chunks WHERE kb_id = $1`, kb.ID).Scan(&total); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		for i, id := range ids {
			batch.Queue(`UPDATE chunks SET embedding = $3 WHERE kb_id = $1 AND id = $2`, kb.ID, id, pgvector.NewVector(vecs[i]))
		}
		res := tx.SendBatch(ctx, batch)
		updated := int64(0)
		for range ids {
			tag, err := res.Exec()
			if err != nil {
				res.Close()
				return err
			}
			updated += tag.RowsAffected()
		}
		if err := res.Close(); err != nil {
			return err
		}
		if updated != total {
			return core.Errorf(core.CodeInvalid, "re-embed %q: %d of its %d chunks given", kb.Name, updated, total)
		}
		var err error
		out, err = scanKB(tx.QueryRow(ctx, `UPDATE knowledge_bases SET embed_model = $2,
			content_version = content_version + 1, updated_at = now() WHERE id = $1 RETURNING `+kbColumns, kb.ID, model))
		return err
	})
	if err != nil {
		return kb, fmt.Errorf("re-embed knowledge base %q: %w", kb.Name, err)
	}
	return out, nil
}
