-- +goose Up

-- The end user each turn was asked as, so deleting an end user reaches
-- every turn they asked, whoever started the conversation.
ALTER TABLE turns ADD COLUMN end_user_id text;
CREATE INDEX turns_end_user ON turns (tenant_id, end_user_id) WHERE end_user_id IS NOT NULL;
UPDATE turns t SET end_user_id = c.end_user_id FROM conversations c WHERE c.id = t.conversation_id AND c.end_user_id IS NOT NULL;

-- +goose Down
DROP INDEX turns_end_user;
ALTER TABLE turns DROP COLUMN end_user_id;
