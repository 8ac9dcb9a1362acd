-- +goose Up

-- What produced each answer and what it cost, for budgets, evaluation and
-- cost reporting.
ALTER TABLE turns
    ADD COLUMN client_id         text NOT NULL DEFAULT '',
    ADD COLUMN prompt_version    text NOT NULL DEFAULT '',
    ADD COLUMN model             text NOT NULL DEFAULT '',
    ADD COLUMN prompt_tokens     int NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens int NOT NULL DEFAULT 0,
    ADD COLUMN cost_usd          numeric(12, 6) NOT NULL DEFAULT 0,
    ADD COLUMN dropped_citations int NOT NULL DEFAULT 0;

-- Tokens spent per client and UTC day: the daily budget reads one row.
CREATE TABLE usage_daily (
    tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id text NOT NULL,
    day       date NOT NULL,
    tokens    bigint NOT NULL DEFAULT 0,
    cost_usd  numeric(14, 6) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, client_id, day)
);

-- +goose Down
DROP TABLE usage_daily;
ALTER TABLE turns
    DROP COLUMN client_id, DROP COLUMN prompt_version, DROP COLUMN model,
    DROP COLUMN prompt_tokens, DROP COLUMN completion_tokens, DROP COLUMN cost_usd,
    DROP COLUMN dropped_citations;
