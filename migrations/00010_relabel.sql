-- +goose Up

-- Relabelling that feeds the golden set: a resolved review item carries
-- what a golden case needs (the passages that should have been cited or
-- the document that is missing, and the facts a right answer states), and
-- each export is recorded so that "since last" returns only new items.
ALTER TABLE review_items ADD COLUMN expected_sources text[] NOT NULL DEFAULT '{}';
ALTER TABLE review_items ADD COLUMN missing_document text NOT NULL DEFAULT '';
ALTER TABLE review_items ADD COLUMN required_facts text[] NOT NULL DEFAULT '{}';

CREATE TABLE review_exports (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor      text NOT NULL,
    items      int NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE review_items ADD COLUMN export_id bigint REFERENCES review_exports (id) ON DELETE SET NULL;
CREATE INDEX review_items_unexported ON review_items (tenant_id, id) WHERE status = 'resolved' AND export_id IS NULL;

-- The four labels a reviewer gives now: what was "incomplete" is an
-- incorrect answer, what was "out_of_scope" should have been handed off.
UPDATE review_items SET label = 'incorrect' WHERE label = 'incomplete';
UPDATE review_items SET label = 'should_handoff' WHERE label = 'out_of_scope';

-- +goose Down
UPDATE review_items SET label = 'out_of_scope' WHERE label = 'should_handoff';
UPDATE review_items SET label = 'incomplete' WHERE label = 'should_answer';
DROP INDEX review_items_unexported;
ALTER TABLE review_items DROP COLUMN export_id;
DROP TABLE review_exports;
ALTER TABLE review_items DROP COLUMN required_facts;
ALTER TABLE review_items DROP COLUMN missing_document;
ALTER TABLE review_items DROP COLUMN expected_sources;
