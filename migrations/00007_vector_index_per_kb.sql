-- +goose Up
-- One HNSW index per knowledge base instead of one per dimension: a small
-- knowledge base stays fast beside a large one of the same dimension.
-- +goose StatementBegin
DO $$
DECLARE kb record; ix record;
BEGIN
    FOR kb IN SELECT id, embed_dim FROM knowledge_bases LOOP
        EXECUTE format('CREATE INDEX IF NOT EXISTS chunks_hnsw_kb_%s ON chunks USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE kb_id = %s',
                       kb.id, kb.embed_dim, kb.id);
    END LOOP;
    FOR ix IN SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexname ~ '^chunks_embedding_[0-9]+$' LOOP
        EXECUTE format('DROP INDEX %I', ix.indexname);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexname ~ '^chunks_hnsw_kb_[0-9]+$' LOOP
        EXECUTE format('DROP INDEX %I', ix.indexname);
    END LOOP;
END $$;
-- +goose StatementEnd
