-- +goose Up
-- A knowledge base's retrieval settings as `supportd tune` chose them on its
-- golden set: fusion weights, RRF k, candidates, the handoff threshold and
-- what they were tuned on. NULL: the defaults of the knowledge base's
-- embedder apply.
ALTER TABLE knowledge_bases ADD COLUMN retrieval jsonb;

-- +goose Down
ALTER TABLE knowledge_bases DROP COLUMN retrieval;
