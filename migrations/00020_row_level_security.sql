-- +goose Up

-- Row-level security: the second wall behind the store's tenant_id filters.
-- The store starts every transaction with
--   SELECT set_config('app.tenant_id', <tenant>, true)
-- and every tenant-scoped table admits only that tenant's rows, to read and
-- to write. With no tenant set, app_tenant() is NULL and nothing matches:
-- the default is to deny.
--
-- The policies bind the application role (DATABASE_URL), which must not own
-- these tables, be a superuser or have BYPASSRLS. The owner role that runs
-- this migration is not subject to them (no FORCE ROW LEVEL SECURITY), so
-- migrations and the cross-tenant maintenance below keep working.
--
-- Not tenant scoped: tenants (ids and display names, read to iterate
-- tenants), goose_db_version and River's river_* tables (the job queue; job
-- arguments carry their tenant and the jobs set it per transaction).

CREATE FUNCTION app_tenant() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN nullif(current_setting('app.tenant_id', true), '');

-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['knowledge_bases', 'conversations', 'turns', 'usage_daily', 'eval_runs',
        'feedback', 'api_keys', 'audit_log', 'review_items', 'drift_reports', 'review_exports',
        'handoff_requests', 'console_sessions', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
    -- Rows that belong to a knowledge base are the tenant's when their
    -- knowledge base is (the subquery is itself filtered by the policy above).
    FOREACH t IN ARRAY ARRAY['documents', 'chunks', 'kb_terms', 'kb_postings']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I
            USING (kb_id IN (SELECT id FROM knowledge_bases WHERE tenant_id = app_tenant()))
            WITH CHECK (kb_id IN (SELECT id FROM knowledge_bases WHERE tenant_id = app_tenant()))', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

ALTER TABLE eval_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON eval_results
    USING (run_id IN (SELECT id FROM eval_runs WHERE tenant_id = app_tenant()))
    WITH CHECK (run_id IN (SELECT id FROM eval_runs WHERE tenant_id = app_tenant()));

-- The narrow paths for what must happen before a tenant is known, or needs
-- the owner's rights. Each runs as the owner (SECURITY DEFINER), with a
-- fixed search_path, and returns the least the caller needs: the tenant of
-- one key or one session, a yes/no for one origin. The store then sets that
-- tenant and reads the row itself, under the policies.

-- The tenant a key id belongs to (the id is public; the secret's hash is
-- compared by the caller after the key row is read under RLS).
CREATE FUNCTION api_key_tenant(key_id text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    RETURN (SELECT tenant_id FROM api_keys WHERE id = key_id);

-- The tenant of the console session with this token hash.
CREATE FUNCTION console_session_tenant(token bytea) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    RETURN (SELECT tenant_id FROM console_sessions WHERE token_sha256 = token);

-- Whether any live widget key admits origin: CORS preflights carry no
-- credentials, so no tenant is known when they are answered.
CREATE FUNCTION widget_origin_allowed(origin text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    RETURN EXISTS (SELECT 1 FROM api_keys WHERE kind = 'widget' AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > now()) AND origin = ANY (allowed_origins));

-- A knowledge base's own HNSW index (see the store's ensureVectorIndex).
-- Only the owner may create indexes on chunks; this creates exactly one,
-- for a knowledge base of the current tenant, from the row's own id and
-- dimension.
-- +goose StatementBegin
CREATE FUNCTION create_vector_index(kb bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    dim int;
BEGIN
    SELECT embed_dim INTO dim FROM knowledge_bases WHERE id = kb AND tenant_id = app_tenant();
    IF dim IS NULL THEN
        RAISE EXCEPTION 'knowledge base % is not the current tenant''s', kb USING ERRCODE = '42501';
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON chunks USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE kb_id = %s',
        'chunks_hnsw_kb_' || kb, dim, kb);
END
$$;
-- +goose StatementEnd

-- Drops the index of a knowledge base that no longer exists (deleted in the
-- caller's transaction), or of an empty one of the current tenant (a bulk
-- load builds it once at the end); any other knowledge base keeps its index.
-- +goose StatementBegin
CREATE FUNCTION drop_vector_index(kb bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM knowledge_bases WHERE id = kb)
       OR (EXISTS (SELECT 1 FROM knowledge_bases WHERE id = kb AND tenant_id = app_tenant())
           AND NOT EXISTS (SELECT 1 FROM chunks WHERE kb_id = kb)) THEN
        EXECUTE format('DROP INDEX IF EXISTS %I', 'chunks_hnsw_kb_' || kb);
    END IF;
END
$$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION api_key_tenant(text), console_session_tenant(bytea), widget_origin_allowed(text),
    create_vector_index(bigint), drop_vector_index(bigint) FROM PUBLIC;

-- +goose Down
DROP FUNCTION drop_vector_index(bigint);
DROP FUNCTION create_vector_index(bigint);
DROP FUNCTION widget_origin_allowed(text);
DROP FUNCTION console_session_tenant(bytea);
DROP FUNCTION api_key_tenant(text);
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_isolation'
    LOOP
        EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION app_tenant();
