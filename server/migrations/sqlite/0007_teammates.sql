-- Invitations to join a workspace and password-reset links: each is a random single-use token
-- given to a person by link; only its SHA-256 is stored. Teammates' latest sign-in, for the
-- teammates page.

CREATE TABLE invitations (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    role              TEXT NOT NULL,
    token_hash        TEXT NOT NULL UNIQUE,
    invited_by        TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    -- Set once, by the one accept that wins (a conditional UPDATE ... WHERE accepted_at IS NULL).
    accepted_at       BIGINT,
    accepted_by       TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at);

CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
