-- +goose Up

-- Turns a person should look at: low confidence, handed off, refused or
-- rated down. One item per turn.
CREATE TABLE review_items (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    turn_id          bigint NOT NULL UNIQUE REFERENCES turns (id) ON DELETE CASCADE,
    reason           text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved')),
    label            text NOT NULL DEFAULT '',
    corrected_answer text NOT NULL DEFAULT '',
    resolved_by      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz
);
CREATE INDEX review_items_queue ON review_items (tenant_id, status, id DESC);

-- The document a question retrieved first: the question's topic, which
-- drift detection compares across windows.
ALTER TABLE turns ADD COLUMN top_document text NOT NULL DEFAULT '';

-- Drift reports, kept for history and served at GET /v1/drift.
CREATE TABLE drift_reports (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kb         text NOT NULL,
    alert      boolean NOT NULL,
    report     jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_reports_kb ON drift_reports (tenant_id, kb, id DESC);

-- +goose Down
DROP TABLE drift_reports;
ALTER TABLE turns DROP COLUMN top_document;
DROP TABLE review_items;
