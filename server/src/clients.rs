//! Clients: the people behind conversations. One client per normalised email per tenant; a
//! visitor who gives the same address again is linked to the existing record, not duplicated.

use shared::{Email, PersonName};
use sqlx::Row;

use crate::db::{new_id, now_ms, Db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// Creates the client for this email, or returns the existing one. A longer name (the visitor
/// now gives "Jane Doe" where we knew "Jane") replaces the shorter one; known data is never
/// erased.
pub async fn upsert_by_email(
    db: &Db,
    tenant_id: &str,
    name: &PersonName,
    email: &Email,
) -> sqlx::Result<Client> {
    let now = now_ms();
    // ON CONFLICT DO NOTHING + SELECT is race-free: two first visits with one address both end
    // on the row that won.
    sqlx::query(
        "INSERT INTO clients (id, tenant_id, name, email, email_normalized, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id("cl"))
    .bind(tenant_id)
    .bind(name.as_str())
    .bind(email.as_str())
    .bind(email.normalized())
    .bind(now)
    .execute(&db.pool)
    .await?;
    let row = sqlx::query(
        "SELECT id, name, email FROM clients WHERE tenant_id = $1 AND email_normalized = $2",
    )
    .bind(tenant_id)
    .bind(email.normalized())
    .fetch_one(&db.pool)
    .await?;
    let mut client = Client {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
    };
    if name.as_str().chars().count() > client.name.chars().count() {
        sqlx::query("UPDATE clients SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name.as_str())
            .bind(now)
            .bind(&client.id)
            .execute(&db.pool)
            .await?;
        client.name = name.as_str().to_owned();
    }
    Ok(client)
}

pub async fn find(db: &Db, tenant_id: &str, client_id: &str) -> sqlx::Result<Option<Client>> {
    let row = sqlx::query("SELECT id, name, email FROM clients WHERE id = $1 AND tenant_id = $2")
        .bind(client_id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        Ok(Client {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
        })
    })
    .transpose()
}
