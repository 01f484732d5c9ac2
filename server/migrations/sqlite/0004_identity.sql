-- Identity: what a visitor says about themselves stays on their session and conversation; a
-- conversation's client link is either a verified identity or only a claim; a workspace may hold
-- one identity-verification secret (the server computes HMACs with it, so it is kept readable).

ALTER TABLE visitor_sessions ADD COLUMN visitor_name TEXT;
ALTER TABLE visitor_sessions ADD COLUMN visitor_email TEXT;
-- The identity secret whose userHash proved the email; the session is verified only while that
-- secret is the workspace's current one (rotating it ends every session it verified).
ALTER TABLE visitor_sessions ADD COLUMN verified_secret_id TEXT;

-- Links made before this were all unverified claims: the default says so.
ALTER TABLE conversations ADD COLUMN client_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN visitor_name TEXT;

-- One current secret per workspace; each rotation gives it a new id.
CREATE TABLE identity_secrets (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL
);
