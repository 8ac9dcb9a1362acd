-- +goose Up
-- Impact-ordered BM25 postings: one row per (chunk, lexeme) with the
-- term's BM25 term-frequency part ("impact"), indexed so that a query
-- reads only the highest-impact postings of each of its terms (LIMIT per
-- term) instead of scoring every chunk that holds a term. The candidates
-- so found are scored exactly from their tsvectors (store.Search).
--
-- Scoping: kb_postings is scoped by kb_id (knowledge_bases, which carries
-- tenant_id); it has no tenant_id column of its own.
--
-- An impact is computed with the knowledge base's reference document length
-- (bm25_avgdl, set from its first chunks and then kept), not the current
-- average: so a stored impact can be recomputed exactly from the chunk's
-- tsvector when the chunk is removed, and a posting is deleted by its full
-- key without an index on chunk_id. The current average only changes the
-- order of candidates, never their final score.
ALTER TABLE knowledge_bases ADD COLUMN bm25_avgdl float8;

-- BM25's term-frequency part with k1 = 1.2 and b = 0.75 (bm25K1, bm25B in
-- internal/store/search.go): tf occurrences in a chunk of dl lexemes.
CREATE FUNCTION bm25_impact(tf int, dl int, avgdl float8) RETURNS real
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / greatest(avgdl, 1))))::real;

CREATE TABLE kb_postings (
    kb_id    bigint NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    lexeme   text NOT NULL,
    impact   real NOT NULL,
    chunk_id bigint NOT NULL,
    PRIMARY KEY (kb_id, lexeme, impact, chunk_id)
);
-- The primary key's order serves both reads: a backward scan of one
-- (kb_id, lexeme) range yields its postings by impact descending.

UPDATE knowledge_bases SET bm25_avgdl = greatest(lexeme_total::float8 / chunk_count, 1) WHERE chunk_count > 0;
INSERT INTO kb_postings (kb_id, lexeme, impact, chunk_id)
SELECT c.kb_id, u.lexeme, bm25_impact(coalesce(array_length(u.positions, 1), 1), c.lexemes, k.bm25_avgdl), c.id
FROM chunks c JOIN knowledge_bases k ON k.id = c.kb_id, unnest(c.tsv) AS u;

-- +goose Down
DROP TABLE kb_postings;
DROP FUNCTION bm25_impact(int, int, float8);
ALTER TABLE knowledge_bases DROP COLUMN bm25_avgdl;
