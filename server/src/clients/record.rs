//! A client's page: who they are (contact details, company, notes, tags), what they said about
//! themselves that nobody applied yet, who else might be the same person, and every
//! conversation of every channel in one timeline.

use shared::dashboard::{ClientBrief, ClientProfile, ClientRecord};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::mentions;
use crate::db::{now_ms, Db};
use crate::inbox::{self, SUMMARY_SELECT, TIMELINE_COLUMNS};

/// Conversations the page lists.
const CONVERSATIONS: i64 = 100;
/// Messages the page's timeline shows (the newest, across every conversation).
const TIMELINE: i64 = 200;
/// Possible duplicates listed.
const DUPLICATES: i64 = 10;

/// The client's page as `user_id` sees it; `None` for an unknown or another workspace's client.
pub async fn record(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    client_id: &str,
) -> sqlx::Result<Option<ClientRecord>> {
    let mut conn = db.pool.acquire().await?;
    let Some(row) = sqlx::query(
        "SELECT id, name, email, email_normalized, phone, company, notes, tags, created_at,
                updated_at
           FROM clients WHERE id = $1 AND tenant_id = $2",
    )
    .bind(client_id)
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let client = brief_from_row(&row)?;
    let profile = profile_from_row(&row)?;
    let email_normalized: Option<String> = row.try_get("email_normalized")?;
    let mentions = mentions::pending_on(&mut conn, tenant_id, client_id).await?;
    let duplicates = duplicates(
        &mut conn,
        tenant_id,
        client_id,
        email_normalized.as_deref(),
        client.phone.as_deref(),
    )
    .await?;
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.client_id = $2 AND c.tenant_id = $3
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4"
    );
    let conversations = sqlx::query(&sql)
        .bind(user_id)
        .bind(client_id)
        .bind(tenant_id)
        .bind(CONVERSATIONS)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(inbox::summary_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let sql = format!(
        "SELECT {TIMELINE_COLUMNS} FROM messages m
           JOIN conversations c ON c.id = m.conversation_id
          WHERE c.client_id = $1 AND c.tenant_id = $2
          ORDER BY m.created_at DESC, m.seq DESC LIMIT $3"
    );
    let mut timeline = sqlx::query(&sql)
        .bind(client_id)
        .bind(tenant_id)
        .bind(TIMELINE + 1)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(inbox::timeline_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let timeline_truncated = timeline.len() > usize::try_from(TIMELINE).unwrap_or(usize::MAX);
    timeline.truncate(usize::try_from(TIMELINE).unwrap_or(usize::MAX));
    timeline.reverse();
    Ok(Some(ClientRecord {
        client,
        profile,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        mentions,
        duplicates,
        conversations,
        timeline,
        timeline_truncated,
    }))
}

/// Other clients of the workspace that may be this one's customer: whose email or phone this
/// client's customer mentioned, or who mentioned this client's.
async fn duplicates(
    conn: &mut AnyConnection,
    tenant_id: &str,
    client_id: &str,
    email_normalized: Option<&str>,
    phone: Option<&str>,
) -> sqlx::Result<Vec<ClientBrief>> {
    let rows = sqlx::query(
        "SELECT id, name, email, phone FROM clients o
          WHERE o.tenant_id = $1 AND o.id <> $2
            AND (o.email_normalized IN (
                   SELECT LOWER(value) FROM client_mentions
                    WHERE client_id = $2 AND kind = 'email' AND applied_at IS NULL)
              OR o.phone IN (
                   SELECT value FROM client_mentions
                    WHERE client_id = $2 AND kind = 'phone' AND applied_at IS NULL)
              OR o.id IN (
                   SELECT client_id FROM client_mentions
                    WHERE tenant_id = $1 AND applied_at IS NULL
                      AND ((kind = 'email' AND LOWER(value) = $3)
                        OR (kind = 'phone' AND value = $4))))
          ORDER BY o.created_at, o.id LIMIT $5",
    )
    .bind(tenant_id)
    .bind(client_id)
    .bind(email_normalized)
    .bind(phone)
    .bind(DUPLICATES)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(brief_from_row).collect()
}

fn brief_from_row(row: &AnyRow) -> sqlx::Result<ClientBrief> {
    Ok(ClientBrief {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        // Belongs to a conversation's link, not to the client.
        verified: false,
    })
}

/// The stored profile; tags that no longer read are left out rather than failing the page.
pub(super) fn profile_from_row(row: &AnyRow) -> sqlx::Result<ClientProfile> {
    let tags: String = row.try_get("tags")?;
    Ok(ClientProfile {
        company: row
            .try_get::<Option<String>, _>("company")?
            .unwrap_or_default(),
        notes: row.try_get("notes")?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
    })
}

/// Stores what an agent wrote about the client (already [`ClientProfile::parse`]d); `false`
/// for an unknown or another workspace's client.
pub async fn set_profile(
    db: &Db,
    tenant_id: &str,
    client_id: &str,
    profile: &ClientProfile,
) -> sqlx::Result<bool> {
    let tags = serde_json::to_string(&profile.tags).map_err(|e| sqlx::Error::Encode(e.into()))?;
    let mut tx = db.begin_write().await?;
    let updated = sqlx::query(
        "UPDATE clients SET company = $1, notes = $2, tags = $3, updated_at = $4
          WHERE id = $5 AND tenant_id = $6",
    )
    .bind((!profile.company.is_empty()).then_some(profile.company.as_str()))
    .bind(&profile.notes)
    .bind(tags)
    .bind(now_ms())
    .bind(client_id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(updated > 0)
}
