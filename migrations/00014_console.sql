-- +goose Up

-- Console sign-ins: a person exchanges an admin or agent key for a
-- session. Only the token's SHA-256 is stored; the CSRF token is bound to
-- the session. Revoking the key ends its sessions at their next request.
CREATE TABLE console_sessions (
    token_sha256 bytea PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key_id       text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- The handoff inbox reads each conversation's last support turn from the
-- conversation itself, kept by a trigger, so that listing it is one
-- indexed query however many conversations there are. A new turn reopens
-- a handled conversation.
ALTER TABLE conversations ADD COLUMN last_turn_id bigint;
ALTER TABLE conversations ADD COLUMN last_mode text;
ALTER TABLE conversations ADD COLUMN handled_at timestamptz;
ALTER TABLE conversations ADD COLUMN handled_by text NOT NULL DEFAULT '';

UPDATE conversations c SET last_turn_id = l.id, last_mode = l.mode
FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, mode FROM turns
      WHERE purpose = 'support' ORDER BY conversation_id, id DESC) l
WHERE l.conversation_id = c.id;

CREATE INDEX conversations_inbox ON conversations (tenant_id, last_turn_id DESC)
    WHERE last_mode IN ('handoff', 'refused');

-- +goose StatementBegin
CREATE FUNCTION conversation_last_turn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET last_turn_id = NEW.id, last_mode = NEW.mode, handled_at = NULL, handled_by = ''
    WHERE id = NEW.conversation_id AND (last_turn_id IS NULL OR last_turn_id < NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER turns_last_turn AFTER INSERT ON turns
    FOR EACH ROW WHEN (NEW.purpose = 'support') EXECUTE FUNCTION conversation_last_turn();

-- +goose Down
DROP TRIGGER turns_last_turn ON turns;
DROP FUNCTION conversation_last_turn();
DROP INDEX conversations_inbox;
ALTER TABLE conversations DROP COLUMN handled_by;
ALTER TABLE conversations DROP COLUMN handled_at;
ALTER TABLE conversations DROP COLUMN last_mode;
ALTER TABLE conversations DROP COLUMN last_turn_id;
DROP TABLE console_sessions;
