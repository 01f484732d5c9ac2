-- The event log keyed by what it is read by: the tenant and the number. As a rowid table with
-- that primary key, every event was two b-tree inserts (the row, and the key's own index) on
-- the store's single writer, two events per chat; now it is one. Entries are small (a message's
-- is a reference with an empty payload), as a table without rowid wants.
CREATE TABLE events_by_number (
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    session_id       TEXT,
    conversation_id  TEXT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    message_seq      BIGINT,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
INSERT INTO events_by_number
       (tenant_id, seq, session_id, conversation_id, kind, payload, created_at, message_seq)
SELECT tenant_id, seq, session_id, conversation_id, kind, payload, created_at, message_seq
  FROM events;
DROP TABLE events;
ALTER TABLE events_by_number RENAME TO events;
CREATE INDEX events_session ON events (session_id, seq);
