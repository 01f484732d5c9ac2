-- The voice channel (issue 10): numbers whose call records a workspace receives, and the calls.

-- `webhook_secret` signs the call-record webhook (HMAC-SHA256); write-only in the API.
CREATE TABLE voice_channels (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    phone_number    TEXT NOT NULL,
    webhook_secret  TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX voice_channels_number ON voice_channels (phone_number);

-- One row per call; its transcript is the messages of its conversation (one per call).
CREATE TABLE calls (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    client_id        TEXT REFERENCES clients(id),
    external_id      TEXT NOT NULL,
    caller           TEXT NOT NULL,
    called           TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    ended_at         BIGINT NOT NULL,
    duration_secs    BIGINT NOT NULL,
    recording_url    TEXT,
    summary          TEXT NOT NULL DEFAULT '',
    -- resolved | transferred | abandoned
    outcome          TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX calls_external ON calls (tenant_id, external_id);
CREATE INDEX calls_tenant_started ON calls (tenant_id, started_at);
CREATE INDEX calls_client ON calls (client_id);
