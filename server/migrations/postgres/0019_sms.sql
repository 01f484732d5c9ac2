-- The SMS channel (issue 10): numbers a workspace connects, conversations per customer address,
-- provider message ids stored once, opt-outs, and an outbox the sending worker drains.

-- A number (or a Twilio Messaging Service and its pool) of a workspace, with its provider's
-- credentials. `auth_token` (Twilio) and `api_key` (Telnyx) are secrets: write-only in the API.
CREATE TABLE sms_channels (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider              TEXT NOT NULL,
    phone_number          TEXT NOT NULL,
    messaging_service_sid TEXT,
    account_sid           TEXT,
    auth_token            TEXT,
    api_key               TEXT,
    public_key            TEXT,
    messaging_profile_id  TEXT,
    created_at            BIGINT NOT NULL
);
-- A number receives for one workspace: the webhook finds it by the number it was sent to.
CREATE UNIQUE INDEX sms_channels_number ON sms_channels (phone_number);
CREATE INDEX sms_channels_service ON sms_channels (messaging_service_sid);

-- Conversations with a customer address outside the web (a phone number, an email address);
-- `channel_ref` is the workspace's own end (the SMS channel that received it). One open SMS
-- conversation per workspace and number (an email sender may have several threads).
ALTER TABLE conversations ADD COLUMN contact_address TEXT;
ALTER TABLE conversations ADD COLUMN channel_ref TEXT;
CREATE UNIQUE INDEX conversations_one_open_per_contact
    ON conversations (tenant_id, contact_address)
    WHERE status <> 'resolved' AND channel = 'sms' AND contact_address IS NOT NULL;
CREATE INDEX conversations_contact
    ON conversations (tenant_id, channel, contact_address, last_message_at);

-- The provider's id of a message: the same inbound delivered twice is stored once.
ALTER TABLE messages ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX messages_external ON messages (tenant_id, channel, external_id);
-- Outbound delivery as the provider reports it (queued, sent, delivered, failed, ...).
ALTER TABLE messages ADD COLUMN delivery_status TEXT;
ALTER TABLE messages ADD COLUMN delivery_error TEXT;

-- Numbers that texted STOP: nothing is sent to them until they text START.
CREATE TABLE sms_opt_outs (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    phone_number  TEXT NOT NULL,
    opted_out_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, phone_number)
);

-- What the workers send: one row per message part, sent at most once. A row is claimed
-- (`in_flight_since`) in its own committed transaction before the provider is called; one found
-- still in flight after a restart is never sent again (its outcome is unknown), it waits for the
-- provider's status callback or an agent.
CREATE TABLE outbox (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    message_id           TEXT NOT NULL,
    part                 BIGINT NOT NULL DEFAULT 0,
    channel              TEXT NOT NULL,
    route                TEXT NOT NULL,
    recipient            TEXT NOT NULL,
    body                 TEXT NOT NULL,
    attempts             BIGINT NOT NULL DEFAULT 0,
    next_attempt_at      BIGINT NOT NULL,
    in_flight_since      BIGINT,
    sent_at              BIGINT,
    failed_at            BIGINT,
    provider_message_id  TEXT,
    last_error           TEXT,
    created_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX outbox_once ON outbox (message_id, part);
CREATE INDEX outbox_due ON outbox (channel, next_attempt_at);
CREATE INDEX outbox_provider_id ON outbox (provider_message_id);
