-- +goose Up
-- Full-text search finds its candidates in kb_postings (store.Search): a
-- chunk holds a query lexeme exactly when kb_postings has the (knowledge
-- base, lexeme, chunk) row, and the query's lexemes are only those in
-- kb_terms, so while a bulk load defers both the search finds nothing
-- either way. The GIN index over every chunk's tsvector had no other use,
-- and maintaining it cost about as much as the rest of a chunk's insert
-- (about 1 ms per chunk, measured with EXPLAIN ANALYZE of 1,000 chunks).
DROP INDEX chunks_tsv;

-- +goose Down
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
