-- A message's event names the message instead of copying it: `message_seq` is the message's
-- number, and such an entry's payload is empty. The reader joins the message and its
-- conversation's summary when the log is read (once per tenant for every dashboard), instead
-- of the writer reading the summary and storing a kilobyte of JSON twice per chat. Entries
-- written before keep their payload and read as before.
ALTER TABLE events ADD COLUMN message_seq BIGINT;
