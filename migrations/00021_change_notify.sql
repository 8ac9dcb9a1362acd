-- +goose Up

-- Change notifications for the in-process caches of API keys and knowledge
-- bases (internal/lookup). Every change to a row they cache notifies the
-- channel supportd_changes with "<table>:<id>" (ids only, never a secret or
-- a tenant's data); each server process listens on one connection and drops
-- its copy, so a revoked key stops working on every replica at once.
-- NOTIFY is delivered at commit, and only to sessions listening then: a
-- listener that reconnects flushes its caches instead.
--
-- api_keys: not last_used_at, which authentication touches once a minute
-- and no cache reads. No insert trigger on either table: a miss is never
-- cached.

-- +goose StatementBegin
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('supportd_changes', TG_TABLE_NAME || ':' || OLD.id::text);
    ELSE
        PERFORM pg_notify('supportd_changes', TG_TABLE_NAME || ':' || NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER api_keys_notify_change
    AFTER UPDATE OF id, tenant_id, kind, secret_sha256, scopes, allowed_origins, expires_at, revoked_at OR DELETE
    ON api_keys FOR EACH ROW EXECUTE FUNCTION notify_change();

CREATE TRIGGER knowledge_bases_notify_change
    AFTER UPDATE OR DELETE ON knowledge_bases FOR EACH ROW EXECUTE FUNCTION notify_change();

-- +goose Down
DROP TRIGGER knowledge_bases_notify_change ON knowledge_bases;
DROP TRIGGER api_keys_notify_change ON api_keys;
DROP FUNCTION notify_change();
