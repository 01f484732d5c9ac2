-- A workspace's content-safety settings (server::ai::safety::SafetySettings as JSON: its
-- blocked and serious phrase lists, the blocked-phrase action, the fallback message, whether
-- contact details are redacted before an outside model, whether to ask the provider's
-- moderation endpoint). No row: the defaults, with the built-in system lists.
CREATE TABLE safety_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
