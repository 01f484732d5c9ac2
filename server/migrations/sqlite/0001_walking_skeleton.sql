-- Tenants, widget access, visitors, conversations, messages and assistants.
-- Ids are opaque text; times are Unix milliseconds (BIGINT) so the same code reads both backends.

CREATE TABLE tenants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    company_name    TEXT NOT NULL,
    primary_color   TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE allowed_origins (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    origin      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, origin)
);

CREATE TABLE widget_tokens (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);

CREATE TABLE clients (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    email             TEXT,
    email_normalized  TEXT,
    phone             TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX clients_tenant_email ON clients (tenant_id, email_normalized);

CREATE TABLE visitor_sessions (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id     TEXT REFERENCES clients(id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX visitor_sessions_tenant ON visitor_sessions (tenant_id);

CREATE TABLE assistants (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    instructions  TEXT NOT NULL,
    greeting      TEXT NOT NULL,
    model         TEXT,
    is_default    BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
-- One default assistant per tenant.
CREATE UNIQUE INDEX assistants_one_default ON assistants (tenant_id) WHERE is_default = 1;

CREATE TABLE knowledge_entries (
    id            TEXT PRIMARY KEY,
    assistant_id  TEXT NOT NULL REFERENCES assistants(id) ON DELETE CASCADE,
    question      TEXT NOT NULL,
    answer        TEXT NOT NULL,
    keywords      TEXT NOT NULL DEFAULT '',
    position      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX knowledge_entries_assistant ON knowledge_entries (assistant_id, position);

CREATE TABLE conversations (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id       TEXT REFERENCES visitor_sessions(id),
    client_id        TEXT REFERENCES clients(id),
    assistant_id     TEXT REFERENCES assistants(id),
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    flagged          BIGINT NOT NULL DEFAULT 0,
    flag_reason      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    last_message_at  BIGINT NOT NULL
);
-- At most one unresolved conversation per visitor session: concurrent first messages resume it.
CREATE UNIQUE INDEX conversations_one_open_per_session
    ON conversations (session_id) WHERE status <> 'resolved';
CREATE INDEX conversations_tenant_activity ON conversations (tenant_id, last_message_at);

CREATE TABLE messages (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT NOT NULL UNIQUE,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    session_id         TEXT,
    author             TEXT NOT NULL,
    channel            TEXT NOT NULL,
    body               TEXT NOT NULL,
    client_message_id  TEXT,
    reply_to           TEXT,
    model              TEXT,
    tokens             BIGINT,
    created_at         BIGINT NOT NULL
);
-- A retried send (same client message id in the same session) is one message.
CREATE UNIQUE INDEX messages_idempotency ON messages (session_id, client_message_id);
-- A visitor message gets one reply, however many retries race for it.
CREATE UNIQUE INDEX messages_one_reply ON messages (reply_to);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);
