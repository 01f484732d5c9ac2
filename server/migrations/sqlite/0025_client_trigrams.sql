-- A client's name, email and phone searched by substring ("7946", "analytical.ex") without
-- reading every client of the workspace (issue 11): FTS5's trigram tokenizer answers
-- `"substring"` for three characters or more, case-insensitively. It stores its own copy
-- (keyed by `client_id`, not by `clients`' implicit rowid, which VACUUM may renumber); the
-- triggers keep it, and a change is rare (an edit, a merge, an erasure).
CREATE VIRTUAL TABLE clients_trigram USING fts5(
    client_id UNINDEXED, tenant_id UNINDEXED, name, email, phone, tokenize = 'trigram'
);
INSERT INTO clients_trigram (client_id, tenant_id, name, email, phone)
    SELECT id, tenant_id, name, COALESCE(email, ''), COALESCE(phone, '') FROM clients;
CREATE TRIGGER clients_trigram_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_trigram (client_id, tenant_id, name, email, phone)
        VALUES (new.id, new.tenant_id, new.name, COALESCE(new.email, ''), COALESCE(new.phone, ''));
END;
CREATE TRIGGER clients_trigram_update AFTER UPDATE OF name, email, phone ON clients
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone
BEGIN
    DELETE FROM clients_trigram WHERE client_id = old.id;
    INSERT INTO clients_trigram (client_id, tenant_id, name, email, phone)
        VALUES (new.id, new.tenant_id, new.name, COALESCE(new.email, ''), COALESCE(new.phone, ''));
END;
CREATE TRIGGER clients_trigram_delete AFTER DELETE ON clients BEGIN
    DELETE FROM clients_trigram WHERE client_id = old.id;
END;
