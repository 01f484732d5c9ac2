-- The idempotency indexes hold only the rows they can match: a reply has no client message id
-- and a visitor's or the assistant's message no teammate, and such rows never conflict (NULLs
-- are distinct). Each chat message (the visitor's and the reply) wrote an entry at a random
-- place in both indexes: two pages fewer to write, and to checkpoint, per message. Every
-- lookup names the column, so the partial index still serves it.
DROP INDEX messages_idempotency;
CREATE UNIQUE INDEX messages_idempotency ON messages (session_id, client_message_id)
    WHERE client_message_id IS NOT NULL;
DROP INDEX messages_agent_idempotency;
CREATE UNIQUE INDEX messages_agent_idempotency ON messages (conversation_id, user_id, client_message_id)
    WHERE user_id IS NOT NULL;
