-- The "AI generated" handoff message style (issue 9; the seed's docs list it beside default,
-- professional, casual, brief and detailed): the assistant words the handoff message itself.
ALTER TABLE workspace_ai_settings DROP CONSTRAINT workspace_ai_settings_message_style_check;
ALTER TABLE workspace_ai_settings ADD CONSTRAINT workspace_ai_settings_message_style_check
    CHECK (message_style IN
           ('default', 'professional', 'casual', 'brief', 'detailed', 'ai_generated'));
