-- The "AI generated" handoff message style (issue 9; the seed's docs list it beside default,
-- professional, casual, brief and detailed): the assistant words the handoff message itself.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with the same rows (no other
-- table refers to it).
CREATE TABLE workspace_ai_settings_new (
    tenant_id               TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    handoff_enabled         BIGINT NOT NULL DEFAULT 1,
    max_handoffs            BIGINT NOT NULL DEFAULT 3 CHECK (max_handoffs BETWEEN 1 AND 10),
    failures_before_human   BIGINT NOT NULL DEFAULT 2
                            CHECK (failures_before_human BETWEEN 1 AND 10),
    message_style           TEXT NOT NULL DEFAULT 'default'
                            CHECK (message_style IN ('default', 'professional', 'casual',
                                                     'brief', 'detailed', 'ai_generated')),
    handoff_template        TEXT NOT NULL DEFAULT '',
    time_zone               TEXT NOT NULL DEFAULT 'UTC',
    weekly_hours            TEXT NOT NULL DEFAULT '[]',
    updated_at              BIGINT NOT NULL,
    business_hours_enabled  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO workspace_ai_settings_new
       (tenant_id, handoff_enabled, max_handoffs, failures_before_human, message_style,
        handoff_template, time_zone, weekly_hours, updated_at, business_hours_enabled)
SELECT tenant_id, handoff_enabled, max_handoffs, failures_before_human, message_style,
       handoff_template, time_zone, weekly_hours, updated_at, business_hours_enabled
  FROM workspace_ai_settings;
DROP TABLE workspace_ai_settings;
ALTER TABLE workspace_ai_settings_new RENAME TO workspace_ai_settings;
