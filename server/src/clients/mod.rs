//! Clients: the people behind conversations. One client per normalised email per tenant; a
//! visitor who gives the same address again is linked to the existing record, not duplicated.
//! Only a verified visitor may change an existing record ([`upsert_by_email`]); anyone else's
//! details create a record for a new address at most ([`by_email_in`]). What
//! customers write about themselves in messages is read by [`extract`] and kept or applied by
//! [`mentions`]. An agent sees a client's [`record`] (every channel in one timeline) and
//! [`merge`]s two clients who are one person.

pub mod extract;
pub mod mentions;
pub mod merge;
pub mod record;

use shared::{Email, PersonName};
use sqlx::Row;

use crate::db::direct::{Arg, Cols, FromCols, Tx};
use crate::db::{new_id, now_ms, Db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// For a verified visitor: creates the client for this email, or returns the existing one. A
/// longer name (the visitor now gives "Jane Doe" where we knew "Jane") replaces the shorter one;
/// known data is never erased.
pub async fn upsert_by_email(
    db: &Db,
    tenant_id: &str,
    name: &PersonName,
    email: &Email,
) -> sqlx::Result<Client> {
    let mut tx = db.begin_write().await?;
    let client = by_email_in(
        &mut Tx::Sqlx(&mut tx),
        tenant_id,
        name.as_str(),
        email,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// The client with this email, created (with `name`) when there is none, in a transaction of
/// either kind. An existing record is returned as it is, which is all an unverified visitor's
/// claim may do; `verified`, it is [`upsert_by_email`].
pub async fn by_email_in(
    tx: &mut Tx<'_, '_>,
    tenant_id: &str,
    name: &str,
    email: &Email,
    verified: bool,
) -> sqlx::Result<Client> {
    let now = now_ms();
    let normalized = email.normalized();
    // ON CONFLICT DO NOTHING + SELECT is race-free: two first visits with one address both end
    // on the row that won.
    tx.execute(
        "INSERT INTO clients (id, tenant_id, name, email, email_normalized, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT DO NOTHING",
        &[
            Arg::Text(&new_id("cl")),
            Arg::Text(tenant_id),
            Arg::Text(name),
            Arg::Text(email.as_str()),
            Arg::Text(&normalized),
            Arg::Int(now),
        ],
    )
    .await?;
    let mut client = tx
        .fetch_optional::<Client>(
            "SELECT id, name, email FROM clients WHERE tenant_id = $1 AND email_normalized = $2",
            &[Arg::Text(tenant_id), Arg::Text(&normalized)],
        )
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    if verified && name.chars().count() > client.name.chars().count() {
        tx.execute(
            "UPDATE clients SET name = $1, updated_at = $2 WHERE id = $3",
            &[Arg::Text(name), Arg::Int(now), Arg::Text(&client.id)],
        )
        .await?;
        name.clone_into(&mut client.name);
    }
    Ok(client)
}

impl FromCols for Client {
    fn from_cols(row: &impl Cols) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.col("id")?,
            name: row.col("name")?,
            email: row.col("email")?,
        })
    }
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

/// The client with this phone number (E.164), created (without a name) when there is none: a
/// signed SMS webhook's sender, or a call's caller, is who the number says. Race-free like
/// [`by_email_in`]: one client per number per workspace.
pub async fn find_or_create_by_phone(
    db: &Db,
    tenant_id: &str,
    phone: &str,
) -> sqlx::Result<String> {
    let select = "SELECT id FROM clients WHERE tenant_id = $1 AND phone = $2";
    let found: Option<String> = sqlx::query_scalar(select)
        .bind(tenant_id)
        .bind(phone)
        .fetch_optional(&db.pool)
        .await?;
    if let Some(id) = found {
        return Ok(id);
    }
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO clients (id, tenant_id, name, phone, created_at, updated_at)
         VALUES ($1, $2, '', $3, $4, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id("cl"))
    .bind(tenant_id)
    .bind(phone)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query_scalar(select)
        .bind(tenant_id)
        .bind(phone)
        .fetch_one(&db.pool)
        .await
}
