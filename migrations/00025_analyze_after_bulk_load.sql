-- +goose Up
-- A bulk load (store.EndBulkLoad) fills a knowledge base in seconds, well
-- before autovacuum's next look, and a planner without statistics takes a
-- new knowledge base for a handful of chunks: it then sorts all of them by
-- distance instead of walking the HNSW index the load built (100k chunks:
-- about 2.5 s per search instead of milliseconds). Only the tables' owner
-- may ANALYZE them, so this gathers the statistics of what a load writes,
-- as the owner, for the application role.
-- +goose StatementBegin
CREATE FUNCTION analyze_search_tables() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    ANALYZE chunks, kb_terms, kb_postings;
END
$$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION analyze_search_tables() FROM PUBLIC;

-- +goose Down
DROP FUNCTION analyze_search_tables();
