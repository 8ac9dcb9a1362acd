-- +goose Up
-- A bulk load into an empty knowledge base (the sync that also drops its
-- HNSW index) writes its chunks only, and builds kb_terms and kb_postings
-- from them in two set-based statements when it ends (store.BeginBulkLoad,
-- store.EndBulkLoad): one sorted insert instead of an upsert and ~56
-- random B-tree insertions per chunk in every batch. While bm25_deferred is
-- set, the knowledge base's kb_terms and kb_postings are empty (so full-text
-- search finds nothing in it) and every write leaves them so; the next sync
-- or upload that ends finishes a load that stopped half way.
ALTER TABLE knowledge_bases ADD COLUMN bm25_deferred boolean NOT NULL DEFAULT false;

-- kb_postings loses its foreign key: the check it ran per posting (~56 per
-- chunk) cost more than inserting the posting. Its one use, removing a
-- deleted knowledge base's postings, is this trigger's, which like the
-- cascade it replaces runs past row-level security.
ALTER TABLE kb_postings DROP CONSTRAINT kb_postings_kb_id_fkey;

-- +goose StatementBegin
CREATE FUNCTION delete_kb_postings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM kb_postings WHERE kb_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER knowledge_bases_delete_postings
    AFTER DELETE ON knowledge_bases REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION delete_kb_postings();

-- bm25_impact as it was (migration 00018), but inlined into the statements
-- that call it: a STRICT SQL function whose body is not provably strict
-- (greatest ignores NULLs) is run through the SQL-function executor on every
-- call, ~6× the cost of the expression, and the postings call it once per
-- (chunk, lexeme). The CASE keeps it NULL when avgdl is NULL, as STRICT
-- made it (tf or dl NULL give NULL anyway); every other value is computed
-- by the same operators on the same types, so stored impacts still match.
CREATE OR REPLACE FUNCTION bm25_impact(tf int, dl int, avgdl float8) RETURNS real
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN avgdl IS NOT NULL THEN (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / greatest(avgdl, 1))))::real END;

-- +goose Down
CREATE OR REPLACE FUNCTION bm25_impact(tf int, dl int, avgdl float8) RETURNS real
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / greatest(avgdl, 1))))::real;
DROP TRIGGER knowledge_bases_delete_postings ON knowledge_bases;
DROP FUNCTION delete_kb_postings();
DELETE FROM kb_postings p WHERE NOT EXISTS (SELECT FROM knowledge_bases k WHERE k.id = p.kb_id);
ALTER TABLE kb_postings ADD CONSTRAINT kb_postings_kb_id_fkey FOREIGN KEY (kb_id) REFERENCES knowledge_bases (id) ON DELETE CASCADE;
ALTER TABLE knowledge_bases DROP COLUMN bm25_deferred;
