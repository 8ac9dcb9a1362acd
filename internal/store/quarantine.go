package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"supportd/internal/core"
)

// quarantinedSQL is true for a document of alias d that retrieval must
// skip: flagged at ingestion, and not released by an admin at its current
// content.
const quarantinedSQL = `(cardinality(d.flags) > 0 AND d.released_hash <> d.content_hash)`

// quarantine queues each of the documents ids that is quarantined and was
// not already pending review, with reason "quarantined_document", and
// audits it. It runs in the transaction that wrote them.
func quarantine(ctx context.Context, tx pgx.Tx, kb KB, ids []int64) error {
	rows, err := tx.Query(ctx, `
		INSERT INTO review_items AS r (tenant_id, document_id, reason)
		SELECT $1, d.id, 'quarantined_document' FROM documents d
		WHERE d.id = ANY($2) AND `+quarantinedSQL+`
		ON CONFLICT (document_id) DO UPDATE SET status = 'pending', resolved_at = NULL, resolved_by = '', label = '',
		    created_at = now()
		WHERE r.status = 'resolved'
		RETURNING r.document_id, (SELECT source_uri FROM documents WHERE id = r.document_id),
		          (SELECT flags FROM documents WHERE id = r.document_id)`, kb.TenantID, ids)
	if err != nil {
		return err
	}
	type queued struct {
		ID    int64
		URI   string
		Flags []string
	}
	qs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[queued])
	if err != nil {
		return err
	}
	for _, q := range qs {
		if err := audit(ctx, tx, AuditEntry{Tenant: kb.TenantID, Actor: "system", Action: "document.quarantine",
			Target: kb.Name + "/" + q.URI, Details: map[string]any{"document_id": q.ID, "flags": q.Flags}}); err != nil {
			return err
		}
	}
	return nil
}

// QuarantinedDocuments lists kb's quarantined documents by source URI.
func (s *Store) QuarantinedDocuments(ctx context.Context, kb KB) ([]Document, error) {
	rows, err := s.as(kb.TenantID).Query(ctx, documentSelect+` WHERE d.kb_id = $1 AND `+quarantinedSQL+` ORDER BY d.source_uri`, kb.ID)
	if err != nil {
		return nil, translate(err, "list quarantined documents")
	}
	docs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Document])
	return docs, translate(err, "list quarantined documents")
}

// ReleaseDocument releases a quarantined document of kb at its current
// content: retrieval serves it again, its review item is resolved as
// "released", the knowledge base's content version moves on (so no cached
// answer outlives the change) and the release is audited, in one
// transaction. An unknown document is core.CodeNotFound; one that is not
// quarantined, core.CodeConflict.
func (s *Store) ReleaseDocument(ctx context.Context, kb KB, id int64, actor string) (Document, error) {
	var doc Document
	defer s.changedKB(kb.ID)
	err := s.inTx(ctx, kb.TenantID, "release document", func(tx pgx.Tx) error {
		var quarantined bool
		err := tx.QueryRow(ctx, `SELECT `+quarantinedSQL+` FROM documents d WHERE d.id = $1 AND d.kb_id = $2 FOR UPDATE`,
			id, kb.ID).Scan(&quarantined)
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.CodeNotFound, "document %d does not exist in knowledge base %q", id, kb.Name)
		}
		if err != nil {
			return err
		}
		if !quarantined {
			return core.Errorf(core.CodeConflict, "document %d is not quarantined", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET released_hash = content_hash WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET status = 'resolved', label = 'released', resolved_by = $2,
			resolved_at = now() WHERE document_id = $1 AND status = 'pending'`, id, actor); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE knowledge_bases SET content_version = content_version + 1, updated_at = now()
			WHERE id = $1`, kb.ID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, documentSelect+` WHERE d.id = $1`, id)
		if err != nil {
			return err
		}
		if doc, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Document]); err != nil {
			return err
		}
		return audit(ctx, tx, AuditEntry{Tenant: kb.TenantID, Actor: actor, Action: "document.release",
			Target: kb.Name + "/" + doc.SourceURI, Details: map[string]any{"document_id": id, "flags": doc.Flags,
				"content_hash": doc.ContentHash}})
	})
	return doc, err
}
