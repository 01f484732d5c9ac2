-- A visitor session's message events are found through its conversations' messages, not
-- through an index on the session: session ids are random, so that index took every message
-- event (two per chat) at a random page, written again at each commit of the store's single
-- writer (SQLite). Message numbers only grow, so their index below only ever adds at its end.
-- The session index keeps the session's other events (conversation changes, old message
-- events that carry their payload).
DROP INDEX events_session;
CREATE INDEX events_session ON events (session_id, seq) WHERE message_seq IS NULL;
CREATE INDEX events_message ON events (message_seq) WHERE message_seq IS NOT NULL;
-- A session's conversations, resolved ones included (the unique index covers open ones only).
CREATE INDEX conversations_session ON conversations (session_id) WHERE session_id IS NOT NULL;
