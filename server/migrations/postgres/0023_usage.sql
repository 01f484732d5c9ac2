-- Usage and plans (issue 11). Usage is counted from what is stored (conversations by creation,
-- messages, tokens, calls), so nothing is added to the chat path; this table holds the plan a
-- workspace is on (NULL: none, unlimited) and the day of the month its billing cycle starts.
CREATE TABLE workspace_plans (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    plan_id     TEXT,
    cycle_day   INTEGER NOT NULL DEFAULT 1,
    updated_at  BIGINT NOT NULL
);

-- Conversations started in a cycle, per workspace: the usage page and the hard cap count them.
CREATE INDEX conversations_tenant_created ON conversations (tenant_id, created_at);
