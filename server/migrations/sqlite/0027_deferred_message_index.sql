-- Messages reach the full-text index (`messages_fts`) when the writer commits their batch
-- (`db::SQLITE_BEFORE_COMMIT`), not row by row from a trigger: FTS5 writes its pending rows to
-- disk as a new segment at every savepoint, and every write transaction is a savepoint of the
-- writer's batch, so the trigger cost a segment (and later merges) per message. Readers see no
-- difference: the index is written in the same transaction as the messages.
--
-- `indexed_seq`: every message up to it is in the index. Message numbers only grow
-- (AUTOINCREMENT), so what comes after it is what is waiting.
CREATE TABLE message_index_progress (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_seq INTEGER NOT NULL
);
INSERT INTO message_index_progress (id, indexed_seq)
    SELECT 1, COALESCE(MAX(seq), 0) FROM messages;
DROP TRIGGER messages_fts_insert;
-- A message deleted before its batch indexed it is not in the index: deleting it there would
-- corrupt an external-content table.
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.seq <= (SELECT indexed_seq FROM message_index_progress WHERE id = 1)
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
