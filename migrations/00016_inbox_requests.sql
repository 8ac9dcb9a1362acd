-- +goose Up

-- A visitor's request for a person puts the conversation in the handoff
-- inbox whatever its last answer was, until an agent marks it handled (a
-- turn after that closes the request). The inbox's partial index covers
-- both reasons so a page stays one indexed query.
ALTER TABLE conversations ADD COLUMN person_requested_at timestamptz;

UPDATE conversations c SET person_requested_at = r.at
FROM (SELECT t.conversation_id, max(h.created_at) AS at
      FROM handoff_requests h JOIN turns t ON t.id = h.turn_id GROUP BY t.conversation_id) r
WHERE r.conversation_id = c.id AND c.handled_at IS NULL;

DROP INDEX conversations_inbox;
CREATE INDEX conversations_inbox ON conversations (tenant_id, last_turn_id DESC)
    WHERE last_mode IN ('handoff', 'refused') OR person_requested_at IS NOT NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION conversation_last_turn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET last_turn_id = NEW.id, last_mode = NEW.mode, handled_at = NULL, handled_by = '',
        person_requested_at = CASE WHEN handled_at IS NULL THEN person_requested_at END
    WHERE id = NEW.conversation_id AND (last_turn_id IS NULL OR last_turn_id < NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION conversation_last_turn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET last_turn_id = NEW.id, last_mode = NEW.mode, handled_at = NULL, handled_by = ''
    WHERE id = NEW.conversation_id AND (last_turn_id IS NULL OR last_turn_id < NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP INDEX conversations_inbox;
CREATE INDEX conversations_inbox ON conversations (tenant_id, last_turn_id DESC)
    WHERE last_mode IN ('handoff', 'refused');
ALTER TABLE conversations DROP COLUMN person_requested_at;
