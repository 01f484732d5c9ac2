-- Assistants become editable in the settings: the channels each one answers on (comma-separated
-- `web,sms,email,voice`; existing assistants keep answering everywhere), when it and each
-- knowledge entry last changed, and `deleted_at` for an assistant removed while conversations
-- still name it: those conversations keep their `assistant_id` and its name, the settings no
-- longer show it.
ALTER TABLE assistants ADD COLUMN channels TEXT NOT NULL DEFAULT 'web,sms,email,voice';
ALTER TABLE assistants ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assistants ADD COLUMN deleted_at BIGINT;
UPDATE assistants SET updated_at = created_at;

ALTER TABLE knowledge_entries ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE knowledge_entries SET updated_at = created_at;

-- Whether conversations name an assistant decides how it is deleted.
CREATE INDEX conversations_assistant ON conversations (assistant_id);
