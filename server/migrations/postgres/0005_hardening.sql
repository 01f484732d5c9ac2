-- A teammate's retry is recognised within the conversation it was sent to: the same client
-- message id in another conversation is another reply, not a retry of the first.
DROP INDEX messages_agent_idempotency;
CREATE UNIQUE INDEX messages_agent_idempotency ON messages (conversation_id, user_id, client_message_id);

-- A tenant that has a default assistant keeps one: the default cannot be deleted (unless the
-- tenant itself goes) nor unset; another assistant takes over by being made the default, which
-- unsets the old one. The errors start with `default_assistant_required` (the code matches it).
-- The hand-over's own UPDATE runs one trigger level down (pg_trigger_depth() = 2), so only a
-- direct unset is refused.
CREATE FUNCTION assistants_keep_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.is_default = 1 AND EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
            RAISE EXCEPTION 'default_assistant_required: make another assistant the default first'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.is_default = 1 AND NEW.is_default <> 1 AND pg_trigger_depth() = 1 THEN
        RAISE EXCEPTION 'default_assistant_required: make another assistant the default instead'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.is_default = 1 AND OLD.is_default <> 1 THEN
        UPDATE assistants SET is_default = 0
         WHERE tenant_id = NEW.tenant_id AND is_default = 1 AND id <> NEW.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER assistants_keep_default BEFORE UPDATE OF is_default OR DELETE ON assistants
    FOR EACH ROW EXECUTE FUNCTION assistants_keep_default();
