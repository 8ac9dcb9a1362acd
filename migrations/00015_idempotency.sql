-- +goose Up

-- Idempotency-Key: the first response to a mutating request, replayed to
-- a retry with the same key instead of doing the work again. Keys are
-- scoped per tenant and per calling key (principal); only their SHA-256 is
-- stored. The response body is encrypted with a key derived from the
-- Idempotency-Key itself, so the table holds nothing readable without it
-- (a created API key's secret is in such a body). Rows expire after a day;
-- an expired or abandoned key is taken over on its next use, and the
-- retention job deletes the rest.
CREATE TABLE idempotency_keys (
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    principal        text NOT NULL,
    key_sha256       bytea NOT NULL,
    route            text NOT NULL,
    fingerprint      bytea NOT NULL,
    status           text NOT NULL CHECK (status IN ('in_flight', 'done')),
    response_status  integer,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, principal, key_sha256)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
