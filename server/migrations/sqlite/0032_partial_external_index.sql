-- The provider-id index holds only messages with a provider id (SMS, email, voice). Web chat
-- messages have none, and NULLs never conflict, yet each one stored a `(tenant, 'web', NULL)`
-- entry: two index inserts per chat on the single writer for nothing. Every lookup names the id
-- (`external_id = ?`), which implies the index's condition, and the inserts that may collide
-- say `ON CONFLICT DO NOTHING` without a target, which a partial unique index still enforces.
DROP INDEX messages_external;
CREATE UNIQUE INDEX messages_external ON messages (tenant_id, channel, external_id)
    WHERE external_id IS NOT NULL;
