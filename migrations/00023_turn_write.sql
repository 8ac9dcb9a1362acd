-- +goose Up

-- A turn's write is the only statement a cache hit sends, and the hit
-- waits for its group-committed batch, so the write's cost per turn bounds
-- the hot path.
--
-- The handoff inbox's key (a conversation's last support turn, and the
-- reopening of a handled conversation) was kept by a row trigger that
-- updated the conversation after every turn: for each new conversation, a
-- second row version with its index entries, and a PL/pgSQL call per turn.
-- The turn write now keeps it itself, set-based, once per conversation per
-- batch: a new conversation is inserted with it, an existing one is updated
-- once (the store's saveTurnsSQL, the one statement that inserts turns).
DROP TRIGGER turns_last_turn ON turns;
DROP FUNCTION conversation_last_turn();

-- A turn's tenant is its conversation's: the turn write inserts a turn
-- only into a conversation of the tenant it writes for (found with that
-- tenant, or created with it, which checks the tenant exists), and a
-- tenant's deletion reaches its turns through its conversations (both ON
-- DELETE CASCADE). Checking and locking the tenant's row again for every
-- turn is dropped. The conversation's key stays: it carries the cascade,
-- and its check's lock keeps a turn from outliving a conversation erased
-- while the turn was being written.
ALTER TABLE turns DROP CONSTRAINT turns_tenant_id_fkey;

-- +goose Down
ALTER TABLE turns ADD CONSTRAINT turns_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;

-- +goose StatementBegin
CREATE FUNCTION conversation_last_turn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversations SET last_turn_id = NEW.id, last_mode = NEW.mode, handled_at = NULL, handled_by = '',
        person_requested_at = CASE WHEN handled_at IS NULL THEN person_requested_at END
    WHERE id = NEW.conversation_id AND (last_turn_id IS NULL OR last_turn_id < NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER turns_last_turn AFTER INSERT ON turns
    FOR EACH ROW WHEN (NEW.purpose = 'support') EXECUTE FUNCTION conversation_last_turn();
