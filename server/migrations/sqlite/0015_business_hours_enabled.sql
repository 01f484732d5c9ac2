-- Business hours are explicit (issue 9): a workspace that never set them has none, and its team
-- is never shown as away ("We're back Monday…" was said on the strength of a Monday–Friday
-- 9:00–17:00 UTC default nobody chose). A row saved before this had hours in force when it was
-- saved, so it keeps them; a workspace with no row now has none.
ALTER TABLE workspace_ai_settings
    ADD COLUMN business_hours_enabled BIGINT NOT NULL DEFAULT 0;
UPDATE workspace_ai_settings SET business_hours_enabled = 1;
