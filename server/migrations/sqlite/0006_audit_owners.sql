-- Who changed which setting, when, from what to what. Written in the same transaction as the
-- change (with a `settings_changed` event), so the log holds every change and only real ones.
-- `before` and `after` are JSON text (secrets never appear in them: only that one was rotated).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    area        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    created_at  BIGINT NOT NULL
);
-- Newest first, per tenant; `seq` (the settings event's number) orders entries of one millisecond.
CREATE UNIQUE INDEX audit_log_tenant_seq ON audit_log (tenant_id, seq);

-- Roles gain `owner`: every workspace has at least one. Existing workspaces promote their first
-- admin.
UPDATE users SET role = 'owner'
 WHERE id IN (
     SELECT u.id FROM users u
      WHERE u.role = 'admin'
        AND u.created_at = (SELECT MIN(a.created_at) FROM users a
                             WHERE a.tenant_id = u.tenant_id AND a.role = 'admin')
        AND NOT EXISTS (SELECT 1 FROM users o WHERE o.tenant_id = u.tenant_id AND o.role = 'owner')
 );
