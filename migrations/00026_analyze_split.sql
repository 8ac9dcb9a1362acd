-- +goose Up
-- A bulk load's two builds (store.EndBulkLoad) run side by side: the HNSW
-- index, which needs only the chunks, usually finishes first. The chunks'
-- statistics are gathered as soon as it does, beside the BM25 build,
-- rather than after both (ANALYZE chunks is the larger part: ~0.8 s of
-- ~1.3 s at 100k chunks); the BM25 tables' after their build. Both as the
-- owner, for the application role, as migration 00025's function did.
-- +goose StatementBegin
CREATE FUNCTION analyze_chunks() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE chunks;
END
$$;
CREATE FUNCTION analyze_bm25() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE kb_terms, kb_postings;
END
$$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION analyze_chunks() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analyze_bm25() FROM PUBLIC;
DROP FUNCTION analyze_search_tables();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION analyze_search_tables() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE chunks, kb_terms, kb_postings;
END
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION analyze_search_tables() FROM PUBLIC;
DROP FUNCTION analyze_bm25();
DROP FUNCTION analyze_chunks();
