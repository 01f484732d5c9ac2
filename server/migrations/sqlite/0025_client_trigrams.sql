-- A client's name, email and phone searched by substring ("7946", "analytical.ex") without
-- reading every client of the workspace (issue 11): FTS5's trigram tokenizer answers
-- `"substring"` for three characters or more, case-insensitively. It stores its own copy,
-- keyed by `client_search_keys` (an integer per client: `clients` has only a text key, and its
-- implicit rowid may be renumbered by VACUUM), so the triggers find a client's entry by key.
CREATE TABLE client_search_keys (
    key        INTEGER PRIMARY KEY,
    client_id  TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE clients_trigram USING fts5(
    client_id UNINDEXED, tenant_id UNINDEXED, name, email, phone, tokenize = 'trigram'
);
INSERT INTO client_search_keys (client_id) SELECT id FROM clients;
INSERT INTO clients_trigram (rowid, client_id, tenant_id, name, email, phone)
    SELECT k.key, c.id, c.tenant_id, c.name, COALESCE(c.email, ''), COALESCE(c.phone, '')
      FROM clients c JOIN client_search_keys k ON k.client_id = c.id;
CREATE TRIGGER clients_trigram_insert AFTER INSERT ON clients BEGIN
    INSERT INTO client_search_keys (client_id) VALUES (new.id);
    INSERT INTO clients_trigram (rowid, client_id, tenant_id, name, email, phone)
        VALUES ((SELECT key FROM client_search_keys WHERE client_id = new.id), new.id,
                new.tenant_id, new.name,
                COALESCE(new.email, ''), COALESCE(new.phone, ''));
END;
CREATE TRIGGER clients_trigram_update AFTER UPDATE OF name, email, phone ON clients
    WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone
BEGIN
    UPDATE clients_trigram
       SET name = new.name, email = COALESCE(new.email, ''), phone = COALESCE(new.phone, '')
     WHERE rowid = (SELECT key FROM client_search_keys WHERE client_id = old.id);
END;
CREATE TRIGGER clients_trigram_delete AFTER DELETE ON clients BEGIN
    DELETE FROM clients_trigram
     WHERE rowid = (SELECT key FROM client_search_keys WHERE client_id = old.id);
    DELETE FROM client_search_keys WHERE client_id = old.id;
END;
