-- Teammates, their sessions, what each has read, the tenant's event log, and the conversation
-- columns the dashboard lists, filters and exports by.

-- Dense per-tenant event numbers: taking the next one locks the tenant's row until commit, so
-- events commit in sequence order and a reader that saw n has seen everything up to n.
ALTER TABLE tenants ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    disabled_at       BIGINT
);
-- One account per address: login needs no tenant.
CREATE UNIQUE INDEX users_email ON users (email_normalized);
CREATE INDEX users_tenant ON users (tenant_id);

-- The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE user_sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

ALTER TABLE conversations ADD COLUMN assignee_id TEXT REFERENCES users(id);
ALTER TABLE conversations ADD COLUMN ai_paused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN intent TEXT;
ALTER TABLE conversations ADD COLUMN message_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_message_preview TEXT;
ALTER TABLE conversations ADD COLUMN last_message_author TEXT;
ALTER TABLE conversations ADD COLUMN first_visitor_message TEXT;
-- messages.seq of the visitor's latest message: unread = this > the user's last read.
ALTER TABLE conversations ADD COLUMN last_visitor_seq BIGINT NOT NULL DEFAULT 0;

UPDATE conversations SET
    message_count = (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id),
    last_message_preview = (SELECT SUBSTR(m.body, 1, 160) FROM messages m
        WHERE m.conversation_id = conversations.id ORDER BY m.seq DESC LIMIT 1),
    last_message_author = (SELECT m.author FROM messages m
        WHERE m.conversation_id = conversations.id ORDER BY m.seq DESC LIMIT 1),
    first_visitor_message = (SELECT m.body FROM messages m
        WHERE m.conversation_id = conversations.id AND m.author = 'visitor' ORDER BY m.seq LIMIT 1),
    last_visitor_seq = COALESCE((SELECT MAX(m.seq) FROM messages m
        WHERE m.conversation_id = conversations.id AND m.author = 'visitor'), 0);

-- Keyset pagination walks (last_message_at, id) downwards within a tenant.
DROP INDEX conversations_tenant_activity;
CREATE INDEX conversations_tenant_activity ON conversations (tenant_id, last_message_at, id);
CREATE INDEX conversations_client ON conversations (client_id, last_message_at);

ALTER TABLE messages ADD COLUMN user_id TEXT REFERENCES users(id);
ALTER TABLE messages ADD COLUMN author_name TEXT;
-- A retried agent reply (same client message id from the same teammate) is one message.
CREATE UNIQUE INDEX messages_agent_idempotency ON messages (user_id, client_message_id);

CREATE TABLE conversation_reads (
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    last_read_seq    BIGINT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);

-- Everything a dashboard (or a widget, for its own session) must see, in order. The payload is
-- the JSON of the event as it was when it happened.
CREATE TABLE events (
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    session_id       TEXT,
    conversation_id  TEXT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_session ON events (session_id, seq);

-- Full-text search over message text (FTS5, external content: the text is stored once).
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
