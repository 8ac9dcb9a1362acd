-- +goose Up

-- A document flagged at ingestion (instruction-like text aimed at a model:
-- guard.InstructionLike) is quarantined: retrieval skips it until an admin
-- releases that exact content. released_hash is the content hash an admin
-- released; a flagged document whose content differs is quarantined
-- again.
ALTER TABLE documents ADD COLUMN released_hash text NOT NULL DEFAULT '';

-- Review items are about a turn or, for a quarantined document, about the
-- document.
ALTER TABLE review_items ALTER COLUMN turn_id DROP NOT NULL;
ALTER TABLE review_items ADD COLUMN document_id bigint UNIQUE REFERENCES documents (id) ON DELETE CASCADE;
ALTER TABLE review_items ADD CONSTRAINT review_items_subject CHECK ((turn_id IS NULL) <> (document_id IS NULL));

-- +goose Down
DELETE FROM review_items WHERE turn_id IS NULL;
ALTER TABLE review_items DROP CONSTRAINT review_items_subject;
ALTER TABLE review_items DROP COLUMN document_id;
ALTER TABLE review_items ALTER COLUMN turn_id SET NOT NULL;
ALTER TABLE documents DROP COLUMN released_hash;
