-- The email channel (issue 10): inbound addresses a workspace connects, with the SMTP account
-- its replies go out through, and what threading needs of each conversation and message.

-- `smtp_password` and `webhook_secret` are secrets: write-only in the API.
CREATE TABLE email_channels (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    -- Lower-cased; mail to it (webhook or the SMTP listener) is this workspace's.
    inbound_address    TEXT NOT NULL,
    from_name          TEXT NOT NULL,
    smtp_host          TEXT NOT NULL,
    smtp_port          BIGINT NOT NULL,
    smtp_username      TEXT,
    smtp_password      TEXT,
    -- none | starttls | tls
    smtp_tls           TEXT NOT NULL,
    -- Empty: the answering assistant's name and the company.
    signature          TEXT NOT NULL DEFAULT '',
    -- The assistant's replies wait this long before they are sent (a person would not answer an
    -- email within a second); agents' replies go at once.
    reply_delay_secs   BIGINT NOT NULL DEFAULT 300,
    -- Signs the inbound webhook (HMAC-SHA256).
    webhook_secret     TEXT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX email_channels_address ON email_channels (inbound_address);

-- The thread's subject, normalised (no Re:/Fwd:/AW: …), for threading mail without headers.
ALTER TABLE conversations ADD COLUMN subject TEXT;
CREATE INDEX conversations_subject ON conversations (tenant_id, channel, contact_address, subject);

-- Per email message: subject, References, the text before quotes were trimmed, attachments
-- (JSON). `external_id` holds its Message-ID.
ALTER TABLE messages ADD COLUMN email_meta TEXT;

