-- Old events are found from the start of each tenant's log (numbers grow with time), so the
-- index on their time is no longer needed: it was one more b-tree insert for every event,
-- two per chat, on the store's single writer (SQLite).
DROP INDEX events_created;
