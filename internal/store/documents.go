package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"supportd/internal/core"
)

// DocumentWrite is a document and its chunks, replacing whatever the
// knowledge base held under the same source URI.
type DocumentWrite struct {
	SourceURI   string
	Title       string
	ContentHash string
	Metadata    map[string]any
	// Flags name instruction-like text aimed at a model found in the
	// document (guard.InstructionLike), for review.
	Flags  []string
	Chunks []ChunkWrite
}

// ChunkWrite is one chunk to store. Full-text search indexes it with its
// document's title and its heading as fields of their own (see
// SearchParams.Fields); Text is what is shown and cited.
type ChunkWrite struct {
	Ordinal   int
	Heading   string
	Text      string
	Tokens    int
	Embedding []float32
}

// Document is a stored document's summary.
type Document struct {
	ID          int64          `json:"id"`
	SourceURI   string         `json:"uri"`
	Title       string         `json:"title"`
	ContentHash string         `json:"content_hash"`
	Metadata    map[string]any `json:"metadata"`
	Flags       []string       `json:"flags"`
	// Quarantined: flagged and not released by an admin at this content,
	// so retrieval skips it.
	Quarantined bool      `json:"quarantined"`
	Chunks      int       `json:"chunks"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// DocumentHashes maps each stored source URI of kb to its content hash, so a
// sync can skip unchanged documents without reading them.
func (s *Store) DocumentHashes(ctx context.Context, kb KB) (map[string]string, error) {
	rows, err := s.as(kb.TenantID).Query(ctx, `SELECT source_uri, content_hash FROM documents WHERE kb_id = $1`, kb.ID)
	if err != nil {
		return nil, translate(err, "read document hashes")
	}
	hashes := map[string]string{}
	var uri, hash string
	_, err = pgx.ForEachRow(rows, []any{&uri, &hash}, func() error {
		hashes[uri] = hash
		return nil
	})
	return hashes, translate(err, "read document hashes")
}

// documentSelect reads Documents from documents d.
const documentSelect = `SELECT d.id, d.source_uri, d.title, d.content_hash, d.metadata, d.flags, ` + quarantinedSQL + `,
	(SELECT count(*) FROM chunks c WHERE c.document_id = d.id), d.updated_at
	FROM documents d`

// Documents lists kb's documents by source URI.
func (s *Store) Documents(ctx context.Context, kb KB) ([]Document, error) {
	rows, err := s.as(kb.TenantID).Query(ctx, documentSelect+` WHERE d.kb_id = $1 ORDER BY d.source_uri`, kb.ID)
	if err != nil {
		return nil, translate(err, "list documents")
	}
	docs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Document])
	return docs, translate(err, "list documents")
}

// WriteDocuments stores docs in kb in one transaction: each document is
// inserted or updated by source URI (a flagged one is quarantined, queued
// for review and audited unless already pending), its old chunks are replaced by the new
// ones (bulk-loaded with COPY), the BM25 statistics follow (unless a bulk
// load defers them, see BeginBulkLoad), and the knowledge base's content
// version moves on. Writers to one knowledge base take turns, except
// during a bulk load, when they write side by side (writeLockKB); readers
// never wait.
func (s *Store) WriteDocuments(ctx context.Context, kb KB, docs []DocumentWrite) error {
	if len(docs) == 0 {
		return nil
	}
	defer s.changedKB(kb.ID)
	// Inside a caller's transaction, which may go on to delete or write
	// more, the exclusive lock is taken at once: upgrading a shared one
	// later could deadlock with another transaction doing the same.
	_, nested := s.db.(pgx.Tx)
	err := s.writeDocuments(ctx, kb, docs, !nested)
	if errors.Is(err, errBulkEnded) {
		err = s.writeDocuments(ctx, kb, docs, false)
	}
	return err
}

// errBulkEnded: a write that took the bulk load's shared lock found the
// load ended; it is retried with the exclusive lock.
var errBulkEnded = errors.New("the bulk load ended")

// writeDocuments is one attempt of WriteDocuments; shared lets it write
// beside other writers while a bulk load is in progress.
func (s *Store) writeDocuments(ctx context.Context, kb KB, docs []DocumentWrite, shared bool) error {
	return s.inTx(ctx, kb.TenantID, "write documents", func(tx pgx.Tx) error {
		deferred, err := writeLockKB(ctx, tx, kb, shared)
		if err != nil {
			return err
		}
		if err := asyncCommitInBulkLoad(ctx, tx, s, deferred); err != nil {
			return err
		}
		ids, err := upsertDocuments(ctx, tx, kb, docs)
		if err != nil {
			return err
		}
		if err := quarantine(ctx, tx, kb, ids); err != nil {
			return err
		}
		if err := removeChunks(ctx, tx, kb, ids, deferred); err != nil {
			return err
		}
		if err := copyChunks(ctx, tx, docs, ids); err != nil {
			return err
		}
		if err := insertChunks(ctx, tx, kb, docs, ids, deferred); err != nil {
			return err
		}
		// Dropped now, not at commit: a caller's transaction (InTx) may
		// write again before it commits.
		_, err = tx.Exec(ctx, `DROP TABLE chunk_staging`)
		return err
	})
}

// DeleteDocuments removes the named documents from kb with their chunks and
// returns how many existed.
func (s *Store) DeleteDocuments(ctx context.Context, kb KB, uris []string) (int, error) {
	var n int
	defer s.changedKB(kb.ID)
	err := s.inTx(ctx, kb.TenantID, "delete documents", func(tx pgx.Tx) error {
		deferred, err := lockKB(ctx, tx, kb)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM documents WHERE kb_id = $1 AND source_uri = ANY($2)`, kb.ID, uris)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		n = len(ids)
		if err := removeChunks(ctx, tx, kb, ids, deferred); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM documents WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE knowledge_bases SET content_version = content_version + 1, updated_at = now() WHERE id = $1`, kb.ID)
		return err
	})
	return n, err
}

// lockKB serialises writers of one knowledge base, so the BM25 statistics
// and the content version move in step with the chunks, and says whether a
// bulk load defers the statistics (read after the lock: a statement's
// snapshot is taken before its own lock waits). The lock is released at
// commit or rollback.
func lockKB(ctx context.Context, tx pgx.Tx, kb KB) (deferred bool, err error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7311, $1::int)`, kb.ID); err != nil {
		return false, err
	}
	return bulkLoading(ctx, tx, kb)
}

// bulkLoading says whether a bulk load defers kb's BM25 statistics, as of
// this statement's snapshot.
func bulkLoading(ctx context.Context, tx pgx.Tx, kb KB) (deferred bool, err error) {
	err = tx.QueryRow(ctx, `SELECT bm25_deferred FROM knowledge_bases WHERE id = $1`, kb.ID).Scan(&deferred)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, core.Errorf(core.CodeKBNotFound, "knowledge base %q does not exist", kb.Name)
	}
	return deferred, err
}

// writeLockKB locks kb for WriteDocuments. While a bulk load is in
// progress its writes touch no BM25 statistics: they replace their own
// documents' chunks and add to the knowledge base's counts (a relative
// update, whose row lock each holds only from its statement's end to its
// commit). So with shared set, any write into a knowledge base in a bulk
// load (a sync's batches, an upload meanwhile) takes the lock shared and
// writes beside the others; everything else (BeginBulkLoad, EndBulkLoad,
// deletes, incremental writes, writes inside a caller's transaction) takes
// it exclusive, so EndBulkLoad still waits for every bulk write in flight.
// A write that finds the load ended once it holds the shared lock returns
// errBulkEnded.
func writeLockKB(ctx context.Context, tx pgx.Tx, kb KB, shared bool) (deferred bool, err error) {
	if shared {
		if shared, err = bulkLoading(ctx, tx, kb); err != nil {
			return false, err
		}
	}
	if !shared {
		return lockKB(ctx, tx, kb)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(7311, $1::int)`, kb.ID); err != nil {
		return false, err
	}
	// Read again: this statement's snapshot is taken after the lock.
	if deferred, err = bulkLoading(ctx, tx, kb); err != nil || !deferred {
		return false, cmp.Or(err, errBulkEnded)
	}
	return true, nil
}

// asyncCommitInBulkLoad lets a write of its own transaction into a knowledge
// base in a bulk load commit without waiting for its WAL to reach disk
// (synchronous_commit off: about a disk flush per batch). Nothing is
// reported done by it: a bulk load is done only when EndBulkLoad has built
// what it deferred, and that commit is synchronous, which flushes all
// earlier WAL, this write's included (a commit's flush precedes the
// release of its locks, so a concurrent EndBulkLoad that finds nothing
// deferred has waited for one that flushed). A crash before then loses
// at most the last batches of a load that had not finished; the knowledge
// base stays deferred, and the next sync writes the lost documents again
// (their hashes are not stored) and ends the load. Inside a caller's
// transaction (InTx) the setting would reach the caller's commit, so it
// is left alone there.
func asyncCommitInBulkLoad(ctx context.Context, tx pgx.Tx, s *Store, deferred bool) error {
	if _, nested := s.db.(pgx.Tx); nested || !deferred {
		return nil
	}
	_, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`)
	return err
}

func upsertDocuments(ctx context.Context, tx pgx.Tx, kb KB, docs []DocumentWrite) ([]int64, error) {
	uris := make([]string, len(docs))
	titles := make([]string, len(docs))
	hashes := make([]string, len(docs))
	metas := make([]map[string]any, len(docs))
	flags := make([]string, len(docs)) // comma-joined: Postgres has no ragged arrays
	for i, d := range docs {
		uris[i], titles[i], hashes[i], metas[i] = d.SourceURI, d.Title, d.ContentHash, d.Metadata
		if metas[i] == nil {
			metas[i] = map[string]any{}
		}
		flags[i] = strings.Join(d.Flags, ",")
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO documents AS d (kb_id, source_uri, title, content_hash, metadata, flags)
		SELECT $1, u.uri, u.title, u.hash, u.meta, coalesce(string_to_array(nullif(u.flags, ''), ','), '{}')
		FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[]) WITH ORDINALITY AS u(uri, title, hash, meta, flags, n)
		ORDER BY u.n
		ON CONFLICT (kb_id, source_uri) DO UPDATE
		SET title = EXCLUDED.title, content_hash = EXCLUDED.content_hash,
		    metadata = EXCLUDED.metadata, flags = EXCLUDED.flags, updated_at = now()
		RETURNING d.id`, kb.ID, uris, titles, hashes, metas, flags)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(ids) != len(docs) {
		err = fmt.Errorf("upsert returned %d ids for %d documents (duplicate source URI in one batch?)", len(ids), len(docs))
	}
	return ids, err
}

// removeChunks deletes the chunks of the given documents and takes their
// lexemes out of the BM25 statistics and postings (which a deferred bulk
// load has not written). Each posting's impact is recomputed from the
// chunk's tsvector exactly as insertChunks stored it, so it is deleted by
// its full key. Lexemes no chunk holds any more leave kb_terms. In a bulk
// load, a write that removes nothing leaves the knowledge base's row
// alone: locked this early, it would hold back the other bulk writes
// until its commit.
func removeChunks(ctx context.Context, tx pgx.Tx, kb KB, docIDs []int64, deferred bool) error {
	if deferred {
		_, err := tx.Exec(ctx, `
			WITH old AS (
				DELETE FROM chunks WHERE kb_id = $1 AND document_id = ANY($2) RETURNING lexemes
			)
			UPDATE knowledge_bases
			SET chunk_count = chunk_count - (SELECT count(*) FROM old),
			    lexeme_total = lexeme_total - (SELECT coalesce(sum(lexemes), 0) FROM old)
			WHERE id = $1 AND EXISTS (SELECT FROM old)`, kb.ID, docIDs)
		return err
	}
	var removed int64
	err := tx.QueryRow(ctx, `
		WITH old AS (
			DELETE FROM chunks WHERE kb_id = $1 AND document_id = ANY($2) RETURNING id, tsv, lexemes
		), lex AS MATERIALIZED (
			SELECT old.id, old.lexemes, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf FROM old, unnest(old.tsv) AS u
		), terms AS (
			SELECT lexeme, count(*)::int AS n FROM lex GROUP BY lexeme
		), dec AS (
			UPDATE kb_terms t SET df = t.df - terms.n FROM terms
			WHERE t.kb_id = $1 AND t.lexeme = terms.lexeme
		), unpost AS (
			DELETE FROM kb_postings p USING (
				SELECT lex.id, lex.lexeme, bm25_impact(lex.tf, lex.lexemes, k.bm25_avgdl) AS impact
				FROM lex, knowledge_bases k WHERE k.id = $1) x
			WHERE p.kb_id = $1 AND p.lexeme = x.lexeme AND p.impact = x.impact AND p.chunk_id = x.id
		)
		UPDATE knowledge_bases
		SET chunk_count = chunk_count - (SELECT count(*) FROM old),
		    lexeme_total = lexeme_total - (SELECT coalesce(sum(lexemes), 0) FROM old)
		WHERE id = $1
		RETURNING (SELECT count(*) FROM old)`, kb.ID, docIDs).Scan(&removed)
	if err != nil || removed == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM kb_terms WHERE kb_id = $1 AND df <= 0`, kb.ID)
	return err
}

// copyChunks bulk-loads the new chunks into a transaction-scoped staging
// table, numbered in order; insertChunks then computes their tsvectors in
// the database.
func copyChunks(ctx context.Context, tx pgx.Tx, docs []DocumentWrite, ids []int64) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE chunk_staging (
		n int, document_id bigint, ordinal int, heading text, text text,
		token_count int, embedding vector) ON COMMIT DROP`); err != nil {
		return err
	}
	var rows [][]any
	for i, d := range docs {
		for _, c := range d.Chunks {
			rows = append(rows, []any{len(rows), ids[i], c.Ordinal, c.Heading, c.Text, c.Tokens, pgvector.NewVector(c.Embedding)})
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"chunk_staging"},
		[]string{"n", "document_id", "ordinal", "heading", "text", "token_count", "embedding"},
		pgx.CopyFromRows(rows))
	return err
}

// insertChunksSQL stores the staged chunks ($1 knowledge base, $2
// dimension, $3 text search configuration, $4 and $5 the documents' ids and
// titles). A chunk's tsvector holds the title's lexemes with weight A, the
// heading's with weight B and the text's with the default D, so that BM25
// can count a word in the title or a heading more than one in the text (see
// SearchParams.Fields); the title's is computed once per document. lex is
// every (chunk, lexeme) with its frequency, unnested once for both the term
// statistics and the postings; what follows it is bm25SQL or, when a bulk
// load defers those, bm25DeferredSQL.
const insertChunksSQL = `
	WITH titles AS MATERIALIZED (
		SELECT u.id, setweight(to_tsvector($3::regconfig, u.title), 'A') AS tsv
		FROM unnest($4::bigint[], $5::text[]) AS u(id, title)
	), ins AS (
		INSERT INTO chunks (kb_id, document_id, ordinal, heading, text, token_count, tsv, lexemes, embed_dim, embedding)
		SELECT $1, s.document_id, s.ordinal, s.heading, s.text, s.token_count, v.tsv, lexeme_count(v.tsv), $2, s.embedding
		FROM chunk_staging s JOIN titles t ON t.id = s.document_id,
			LATERAL (SELECT t.tsv || setweight(to_tsvector($3::regconfig, s.heading), 'B') || to_tsvector($3::regconfig, s.text) AS tsv) v
		ORDER BY s.n
		RETURNING id, tsv, lexemes
	)`

const bm25SQL = `, lex AS MATERIALIZED (
		SELECT ins.id, ins.lexemes, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf FROM ins, unnest(ins.tsv) AS u
	), terms AS (
		SELECT lexeme, count(*)::int AS n FROM lex GROUP BY lexeme
	), inc AS (
		INSERT INTO kb_terms (kb_id, lexeme, df) SELECT $1, lexeme, n FROM terms ORDER BY lexeme
		ON CONFLICT (kb_id, lexeme) DO UPDATE SET df = kb_terms.df + EXCLUDED.df
	), ref AS (
		-- The reference length is set by the first chunks and then kept
		-- (see migration 00018).
		SELECT coalesce((SELECT bm25_avgdl FROM knowledge_bases WHERE id = $1),
			(SELECT avg(lexemes) FROM ins), 1)::float8 AS avgdl
	), post AS (
		INSERT INTO kb_postings (kb_id, lexeme, impact, chunk_id)
		SELECT $1, lex.lexeme, bm25_impact(lex.tf, lex.lexemes, ref.avgdl), lex.id
		FROM lex, ref
		ORDER BY 2, 3
	)` + kbStatsSQL

const bm25DeferredSQL = kbStatsSQL

const kbStatsSQL = `
	UPDATE knowledge_bases
	SET chunk_count = chunk_count + (SELECT count(*) FROM ins),
	    lexeme_total = lexeme_total + (SELECT coalesce(sum(lexemes), 0) FROM ins),
	    bm25_avgdl = coalesce(bm25_avgdl, (SELECT avg(lexemes) FROM ins)::float8),
	    content_version = content_version + 1, updated_at = now()
	WHERE id = $1`

// insertChunks stores the staged chunks with their BM25 statistics and
// postings, or with the statistics a bulk load does not defer (the chunk
// count, lexeme total and reference length).
func insertChunks(ctx context.Context, tx pgx.Tx, kb KB, docs []DocumentWrite, ids []int64, deferred bool) error {
	titles := make([]string, len(docs))
	for i, d := range docs {
		titles[i] = d.Title
	}
	q := insertChunksSQL + bm25SQL
	if deferred {
		q = insertChunksSQL + bm25DeferredSQL
	}
	_, err := tx.Exec(ctx, q, kb.ID, kb.EmbedDim, kb.FTSConfig, ids, titles)
	return err
}
