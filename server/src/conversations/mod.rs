//! Visitor sessions and their conversations in the store; the messages are in [`messages`].

pub mod actions;
mod messages;

use shared::api::{Channel, ConversationStatus};
use shared::dashboard::DashboardEvent;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{decode_error, new_id, now_ms, Db};
use crate::inbox;
pub use messages::*;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub client_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub status: ConversationStatus,
    pub flagged: bool,
    /// A teammate took over: the assistant does not answer.
    pub ai_paused: bool,
}

fn conversation_from_row(row: &AnyRow) -> sqlx::Result<Conversation> {
    let status: String = row.try_get("status")?;
    Ok(Conversation {
        id: row.try_get("id")?,
        status: ConversationStatus::parse(&status)
            .ok_or_else(|| decode_error("status", &status))?,
        flagged: row.try_get::<i64, _>("flagged")? != 0,
        ai_paused: row.try_get::<i64, _>("ai_paused")? != 0,
    })
}

pub async fn create_session(db: &Db, tenant_id: &str) -> sqlx::Result<String> {
    let id = new_id("ses");
    let now = now_ms();
    sqlx::query(
        "INSERT INTO visitor_sessions (id, tenant_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// A session of this tenant; another tenant's session id finds nothing.
pub async fn find_session(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<Session>> {
    let row =
        sqlx::query("SELECT id, client_id FROM visitor_sessions WHERE id = $1 AND tenant_id = $2")
            .bind(session_id)
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| {
        Ok(Session {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
        })
    })
    .transpose()
}

/// Links the session, and its unresolved conversation, to a client, in one transaction.
pub async fn link_client(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
    client_id: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE visitor_sessions SET client_id = $1, last_seen_at = $2 WHERE id = $3")
        .bind(client_id)
        .bind(now)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE conversations SET client_id = $1, updated_at = $2
         WHERE session_id = $3 AND status <> 'resolved'",
    )
    .bind(client_id)
    .bind(now)
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE session_id = $1 AND status <> 'resolved'",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(conversation_id) = open {
        let conversation = inbox::event_summary(&mut tx, tenant_id, &conversation_id).await?;
        let event = DashboardEvent::ConversationUpdated { conversation };
        tx.record_event(tenant_id, Some(session_id), &event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The session's unresolved web conversation, created when there is none. Safe under
/// concurrent first messages: a partial unique index keeps one open conversation per session.
pub async fn open_for_session(
    db: &Db,
    tenant_id: &str,
    session: &Session,
    assistant_id: &str,
) -> sqlx::Result<Conversation> {
    let select = "SELECT id, status, flagged, ai_paused FROM conversations
                  WHERE session_id = $1 AND status <> 'resolved'";
    if let Some(row) = sqlx::query(select)
        .bind(&session.id)
        .fetch_optional(&db.pool)
        .await?
    {
        return conversation_from_row(&row);
    }
    let now = now_ms();
    let id = new_id("cv");
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO conversations
           (id, tenant_id, session_id, client_id, assistant_id, channel, status, created_at, updated_at, last_message_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, $7)
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&session.id)
    .bind(&session.client_id)
    .bind(assistant_id)
    .bind(Channel::Web.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        let conversation = inbox::event_summary(&mut tx, tenant_id, &id).await?;
        let event = DashboardEvent::ConversationCreated { conversation };
        tx.record_event(tenant_id, Some(&session.id), &event)
            .await?;
    }
    tx.commit().await?;
    let row = sqlx::query(select)
        .bind(&session.id)
        .fetch_one(&db.pool)
        .await?;
    conversation_from_row(&row)
}

/// The session's most recent conversation, resolved or not.
pub async fn latest_for_session(db: &Db, session_id: &str) -> sqlx::Result<Option<Conversation>> {
    let row = sqlx::query(
        "SELECT id, status, flagged, ai_paused FROM conversations WHERE session_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(conversation_from_row).transpose()
}

pub async fn find_conversation(db: &Db, conversation_id: &str) -> sqlx::Result<Conversation> {
    let row = sqlx::query("SELECT id, status, flagged, ai_paused FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(&db.pool)
        .await?;
    conversation_from_row(&row)
}

/// The visitor session of a conversation of this tenant (`Some(None)`: a conversation with no
/// session, such as another channel's); `None` when the tenant has no such conversation.
pub async fn session_of(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar("SELECT session_id FROM conversations WHERE id = $1 AND tenant_id = $2")
        .bind(conversation_id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await
}
