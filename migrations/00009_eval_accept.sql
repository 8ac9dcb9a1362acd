-- +goose Up

-- A run accepted as the baseline that later runs are gated against. The
-- most recently accepted run of a knowledge base is its pinned baseline.
ALTER TABLE eval_runs ADD COLUMN accepted_at timestamptz;
ALTER TABLE eval_runs ADD COLUMN accepted_by text NOT NULL DEFAULT '';
CREATE INDEX eval_runs_accepted ON eval_runs (tenant_id, kb, accepted_at DESC) WHERE accepted_at IS NOT NULL;

-- +goose Down
DROP INDEX eval_runs_accepted;
ALTER TABLE eval_runs DROP COLUMN accepted_by;
ALTER TABLE eval_runs DROP COLUMN accepted_at;
