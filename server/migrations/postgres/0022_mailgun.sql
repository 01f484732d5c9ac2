-- Mailgun's signed forward of inbound mail (issue 10): the key Mailgun signs with (write-only in
-- the API), and the tokens of the signatures already taken, since Mailgun's signature covers its
-- timestamp and token but not the message: a signature seen once is never accepted again.
ALTER TABLE email_channels ADD COLUMN mailgun_signing_key TEXT;

CREATE TABLE webhook_nonces (
    provider  TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (provider, nonce)
);
CREATE INDEX webhook_nonces_seen ON webhook_nonces (seen_at);
