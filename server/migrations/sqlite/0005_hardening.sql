-- A teammate's retry is recognised within the conversation it was sent to: the same client
-- message id in another conversation is another reply, not a retry of the first.
DROP INDEX messages_agent_idempotency;
CREATE UNIQUE INDEX messages_agent_idempotency ON messages (conversation_id, user_id, client_message_id);

-- A tenant that has a default assistant keeps one: the default cannot be deleted (unless the
-- tenant itself goes) nor unset; another assistant takes over by being made the default, which
-- unsets the old one. The errors start with `default_assistant_required` (the code matches it).
CREATE TRIGGER assistants_default_not_deleted BEFORE DELETE ON assistants
WHEN OLD.is_default = 1 AND EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)
BEGIN
    SELECT RAISE(ABORT, 'default_assistant_required: make another assistant the default first');
END;

-- The hand-over's own UPDATE does not fire this trigger again (SQLite's recursive_triggers is
-- off, its default), so only a direct unset is refused.
CREATE TRIGGER assistants_default_handed_over BEFORE UPDATE OF is_default ON assistants
BEGIN
    SELECT RAISE(ABORT, 'default_assistant_required: make another assistant the default instead')
     WHERE OLD.is_default = 1 AND NEW.is_default <> 1;
    UPDATE assistants SET is_default = 0
     WHERE tenant_id = NEW.tenant_id AND is_default = 1 AND id <> NEW.id
       AND NEW.is_default = 1 AND OLD.is_default <> 1;
END;
