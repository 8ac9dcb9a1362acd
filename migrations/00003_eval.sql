-- +goose Up

-- Evaluation runs on a golden set, kept so history can be compared.
CREATE TABLE eval_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kb              text NOT NULL,
    status          text NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
    trigger         text NOT NULL,
    golden_path     text NOT NULL,
    golden_hash     text NOT NULL,
    content_version bigint NOT NULL,
    prompt_versions jsonb NOT NULL DEFAULT '{}',
    model           text NOT NULL,
    git_commit      text NOT NULL DEFAULT '',
    config          jsonb NOT NULL DEFAULT '{}',
    summary         jsonb,
    comparison      jsonb,
    started_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX eval_runs_kb ON eval_runs (tenant_id, kb, id DESC);

CREATE TABLE eval_results (
    run_id      bigint NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
    case_id     text NOT NULL,
    tags        text[] NOT NULL DEFAULT '{}',
    status      text NOT NULL,
    pass        boolean NOT NULL,
    metrics     jsonb NOT NULL DEFAULT '{}',
    failures    text[] NOT NULL DEFAULT '{}',
    observation jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, case_id)
);

-- Thumbs up/down on a turn, for the review queue and relabelling.
CREATE TABLE feedback (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    turn_id    bigint NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
    rating     smallint NOT NULL CHECK (rating IN (-1, 1)),
    reason     text NOT NULL DEFAULT '',
    comment    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_turn ON feedback (turn_id);

-- +goose Down
DROP TABLE feedback;
DROP TABLE eval_results;
DROP TABLE eval_runs;
