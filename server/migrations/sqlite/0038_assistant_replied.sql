-- Whether the assistant has replied in the conversation yet (routing treats a conversation
-- with no reply as just starting), kept by the transaction that stores each message instead
-- of looked for among its messages on every customer message.
ALTER TABLE conversations ADD COLUMN assistant_replied BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET assistant_replied = 1
 WHERE EXISTS (SELECT 1 FROM messages m
                WHERE m.conversation_id = conversations.id AND m.author = 'assistant');
