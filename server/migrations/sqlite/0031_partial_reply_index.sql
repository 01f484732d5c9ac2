-- The one-reply index holds only replies: a visitor's message has no `reply_to`, and NULLs never
-- conflict. Every chat stored an entry for its visitor message there, one index insert on the
-- single writer for nothing. Every lookup (`reply_to = ?`) and the reply's
-- `ON CONFLICT (reply_to) WHERE reply_to IS NOT NULL` name the column, so the partial index
-- still serves them.
DROP INDEX messages_one_reply;
CREATE UNIQUE INDEX messages_one_reply ON messages (reply_to) WHERE reply_to IS NOT NULL;
