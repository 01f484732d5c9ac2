-- Every message moves its conversation's `last_message_at`, and with it an entry in each index
-- holding that column: four per message (the visitor's and the reply), on the single writer's
-- path. Two of them did not need to move:
-- - a client's conversations are few: its record sorts them, the index only finds them;
-- - only SMS, email and voice conversations have a contact address (web chats have none), and
--   every lookup names the address, so the partial index still serves it.
DROP INDEX conversations_client;
CREATE INDEX conversations_client ON conversations (client_id);
DROP INDEX conversations_contact;
CREATE INDEX conversations_contact
    ON conversations (tenant_id, channel, contact_address, last_message_at)
    WHERE contact_address IS NOT NULL;
