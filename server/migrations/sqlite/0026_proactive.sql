-- Proactive messages (issue 12): one row per workspace holding its settings as JSON (no row:
-- off, no rules), and per rule and UTC day how often visitors saw, opened and dismissed its
-- bubble. Counts of a deleted rule stay until the workspace goes: they are small, and the
-- audit log may still name the rule.
CREATE TABLE proactive_settings (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    settings    TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE proactive_counts (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rule_id     TEXT NOT NULL,
    -- Days since 1970-01-01, UTC.
    day         BIGINT NOT NULL,
    shown       BIGINT NOT NULL DEFAULT 0,
    opened      BIGINT NOT NULL DEFAULT 0,
    dismissed   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, rule_id, day)
);
