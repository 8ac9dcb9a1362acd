-- +goose Up

-- A visitor asking for a person ("Talk to a person" in the widget), with
-- the email they left for the reply (redacted when SUPPORTD_REDACT_STORED
-- is on: the handoff webhook carries it, the database need not). The turn
-- joins the review queue; deleting the turn deletes the request.
CREATE TABLE handoff_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    turn_id         bigint NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
    email           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_requests_turn ON handoff_requests (turn_id);

-- +goose Down
DROP TABLE handoff_requests;
