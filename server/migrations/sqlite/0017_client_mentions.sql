-- Contact details customers write in messages (issue 10, clients). A verified customer's fill
-- gaps on their client at once; anything else is kept here as "mentioned" until an agent applies
-- it. One row per client, kind and value: saying it again adds nothing.
CREATE TABLE client_mentions (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    value           TEXT NOT NULL,
    message_id      TEXT,
    conversation_id TEXT,
    created_at      BIGINT NOT NULL,
    applied_at      BIGINT
);
CREATE UNIQUE INDEX client_mentions_once ON client_mentions (client_id, kind, value);

-- Phone numbers written without a country code are read as numbers of this region (ISO 3166).
ALTER TABLE tenants ADD COLUMN default_region TEXT NOT NULL DEFAULT 'US';
