-- How many times the conversation went from one assistant to another (the handoff settings'
-- max_handoffs guardrail counts these).
ALTER TABLE conversations ADD COLUMN handoffs INTEGER NOT NULL DEFAULT 0;
