-- One search document per conversation (issue 11): the lexemes of all its messages
-- (`to_tsvector('simple', body)`, the same as the `messages_body_fts` index, positions
-- stripped). The conversation list walks conversations newest first and checks this, which
-- stops after a page for a common word instead of gathering every message that has it; the
-- message index still finds the conversations of a rare word. Kept by `search::document` in the
-- transaction that adds each message. NULL: not built yet; built here and at start-up.
ALTER TABLE conversations ADD COLUMN search_doc tsvector DEFAULT ''::tsvector;
UPDATE conversations c SET search_doc = NULL;
