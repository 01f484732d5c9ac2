-- A client's name, email and phone searched by substring without reading every client of the
-- workspace (issue 11): trigram indexes from the `pg_trgm` extension, which ships with
-- PostgreSQL's contrib package and is trusted (a database owner may create it). Where it is
-- missing, search still works, by reading the clients.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): client search reads every client', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX clients_name_trigram ON clients USING GIN (LOWER(name) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX clients_email_trigram ON clients
                 USING GIN (LOWER(COALESCE(email, '''')) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX clients_phone_trigram ON clients
                 USING GIN (LOWER(COALESCE(phone, '''')) gin_trgm_ops)';
    END IF;
END $$;
