-- Why the assistant answered as it did (shared::decision::Decision as JSON), kept with its
-- reply; NULL for messages no pipeline wrote (visitors', agents', replies before this).
ALTER TABLE messages ADD COLUMN decision TEXT;
