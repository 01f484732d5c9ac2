-- Client records become whole (issue 10): one client per phone number as per email, company,
-- notes and tags edited by agents, and mentions that say whether a verified customer wrote them.

-- Where two clients of a workspace share a phone number (only possible before this index), the
-- older keeps it and the newer gets it back as a pending mention, so no number is lost.
INSERT INTO client_mentions (id, tenant_id, client_id, kind, value, created_at)
SELECT 'mn_dup_' || c.id, c.tenant_id, c.id, 'phone', c.phone, c.updated_at
  FROM clients c
 WHERE c.phone IS NOT NULL
   AND EXISTS (SELECT 1 FROM clients o
                WHERE o.tenant_id = c.tenant_id AND o.phone = c.phone
                  AND (o.created_at < c.created_at OR (o.created_at = c.created_at AND o.id < c.id)))
ON CONFLICT DO NOTHING;
UPDATE clients SET phone = NULL
 WHERE phone IS NOT NULL
   AND EXISTS (SELECT 1 FROM clients o
                WHERE o.tenant_id = clients.tenant_id AND o.phone = clients.phone
                  AND (o.created_at < clients.created_at
                       OR (o.created_at = clients.created_at AND o.id < clients.id)));
CREATE UNIQUE INDEX clients_tenant_phone ON clients (tenant_id, phone);

ALTER TABLE clients ADD COLUMN company TEXT;
ALTER TABLE clients ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- A JSON array of short lowercase labels.
ALTER TABLE clients ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

-- 1 when the customer wrote it in a verified conversation (it could not fill a gap: it would
-- have replaced known data), 0 for anyone's unverified claim.
ALTER TABLE client_mentions ADD COLUMN trusted BIGINT NOT NULL DEFAULT 0;

-- A merge moves a client's sessions; the client page looks for others who mentioned its details.
CREATE INDEX visitor_sessions_client ON visitor_sessions (client_id);
CREATE INDEX client_mentions_value ON client_mentions (tenant_id, kind, value);
