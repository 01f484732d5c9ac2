-- An email thread's subject searched by substring without reading every email conversation of
-- the workspace (issue 11): a rare word's lookup scanned all of them (15,000 rows, about 45 ms at
-- a million messages). A trigram index like the clients' (0025), over email threads only; the
-- lookup's `channel = 'email'` lets the planner use it. Where `pg_trgm` is missing, the subject
-- is still searched, by reading the email conversations.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX conversations_subject_trigram ON conversations
                 USING GIN (LOWER(COALESCE(subject, '''')) gin_trgm_ops) WHERE channel = ''email''';
    END IF;
END $$;
