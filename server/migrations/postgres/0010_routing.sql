-- Routing rules and the workspace's handoff settings (issue 9), edited at
-- `/settings/routing`. Rules are tried active-only, by priority (higher first), then `position`
-- (lower first); the first whose every condition holds picks the target. `keywords` and
-- `channels` are JSON arrays of text (keywords lowercase; no channels = every channel);
-- `intent` NULL = any intent. `target_assistant_id` names no foreign key: a rule whose assistant
-- was deleted stays listed, is reported and skipped until an admin retargets it.
CREATE TABLE routing_rules (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    priority             BIGINT NOT NULL CHECK (priority BETWEEN 0 AND 100),
    active               BIGINT NOT NULL DEFAULT 1,
    keywords             TEXT NOT NULL DEFAULT '[]',
    intent               TEXT,
    channels             TEXT NOT NULL DEFAULT '[]',
    time_window          TEXT NOT NULL DEFAULT 'any'
                         CHECK (time_window IN ('any', 'business_hours', 'after_hours')),
    target_kind          TEXT NOT NULL CHECK (target_kind IN ('assistant', 'human')),
    target_assistant_id  TEXT,
    position             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    CHECK ((target_kind = 'assistant') = (target_assistant_id IS NOT NULL))
);
CREATE INDEX routing_rules_tenant ON routing_rules (tenant_id, priority, position);

-- One row per workspace once an admin saved; no row means the defaults (handoffs on, 3 per
-- conversation, a human after 2 failed replies, default style, Monday–Friday 9:00–17:00 UTC).
-- `weekly_hours` is a JSON array of {weekday (0 = Monday), openMin, closeMin} in local time;
-- closeMin <= openMin closes the next day.
CREATE TABLE workspace_ai_settings (
    tenant_id              TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    handoff_enabled        BIGINT NOT NULL DEFAULT 1,
    max_handoffs           BIGINT NOT NULL DEFAULT 3 CHECK (max_handoffs BETWEEN 1 AND 10),
    failures_before_human  BIGINT NOT NULL DEFAULT 2
                           CHECK (failures_before_human BETWEEN 1 AND 10),
    message_style          TEXT NOT NULL DEFAULT 'default'
                           CHECK (message_style IN
                                  ('default', 'professional', 'casual', 'brief', 'detailed')),
    handoff_template       TEXT NOT NULL DEFAULT '',
    time_zone              TEXT NOT NULL DEFAULT 'UTC',
    weekly_hours           TEXT NOT NULL DEFAULT '[]',
    updated_at             BIGINT NOT NULL
);
