-- +goose Up

-- API keys: only a SHA-256 of the secret is stored. Widget keys are
-- publishable (they live in web pages): chat-only and bound to origins.
CREATE TABLE api_keys (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '',
    kind            text NOT NULL CHECK (kind IN ('secret', 'widget')),
    secret_sha256   bytea NOT NULL,
    scopes          text[] NOT NULL,
    allowed_origins text[] NOT NULL DEFAULT '{}',
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'secret' OR (scopes = '{chat}' AND cardinality(allowed_origins) > 0))
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Who did what: key management, ingestion, deletions, reviews.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);

-- The end user a conversation belongs to (an opaque id from the caller),
-- so one call can delete everything about them.
ALTER TABLE conversations ADD COLUMN end_user_id text;
CREATE INDEX conversations_end_user ON conversations (tenant_id, end_user_id) WHERE end_user_id IS NOT NULL;

-- The answer-cache entry a turn filled, deleted with the turn.
ALTER TABLE turns ADD COLUMN cache_key text NOT NULL DEFAULT '';
-- Prompt-injection score of the question.
ALTER TABLE turns ADD COLUMN injection_score real NOT NULL DEFAULT 0;
-- Instruction-like text found in a document at ingestion.
ALTER TABLE documents ADD COLUMN flags text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE documents DROP COLUMN flags;
ALTER TABLE turns DROP COLUMN injection_score;
ALTER TABLE turns DROP COLUMN cache_key;
DROP INDEX conversations_end_user;
ALTER TABLE conversations DROP COLUMN end_user_id;
DROP TABLE audit_log;
DROP TABLE api_keys;
