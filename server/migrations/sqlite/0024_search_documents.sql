-- One search document per conversation (issue 11): the distinct words of all its messages,
-- folded (case, accents) and each preceded by a space, so "has a word starting with `refu`" is
-- `instr(search_terms, ' refu') > 0` on the row itself. The conversation list walks
-- conversations newest first and checks this, which stops after a page for a common word
-- instead of gathering every message that has it; `messages_fts` still finds the conversations
-- of a rare word. Kept by `search::document` in the transaction that adds each message.
-- NULL: not built yet (rows from before this migration); built at start-up.
ALTER TABLE conversations ADD COLUMN search_terms TEXT DEFAULT '';
UPDATE conversations SET search_terms = NULL;
