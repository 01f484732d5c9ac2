-- A workspace's intents (server::ai::intent::Intent): its key, the label agents read, the
-- example phrases the embedded classifier learns from (a JSON array of strings), and the order
-- the settings page shows them in. No rows for a workspace: the default intents
-- (sales, support, billing, technical, general). Saving replaces all of a workspace's rows.
CREATE TABLE workspace_intents (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    examples TEXT NOT NULL,
    position INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
