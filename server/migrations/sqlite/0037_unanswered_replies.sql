-- How many of the assistant's latest replies in a row could not answer (the handoff to a human
-- after N of them), kept with the conversation by the transaction that stores each reply,
-- instead of read back from the replies' decisions whenever a reply cannot answer.
-- Conversations from before start at 0: one in the middle of such a run hands over to a
-- human after N more, not N in all.
ALTER TABLE conversations ADD COLUMN unanswered_replies BIGINT NOT NULL DEFAULT 0;
