//! What teammates do to a conversation: take it over from the assistant, hand it back, resolve,
//! reopen, and reply. Each change and its event commit together.

use shared::api::{Author, Channel, ConversationStatus};
use shared::dashboard::{ConversationSummary, DashboardEvent, TimelineMessage};
use sqlx::AnyConnection;

use crate::accounts::User;
use crate::channels::outbox::{self, Delivery};
use crate::conversations::{self, Added};
use crate::db::{decode_error, is_unique_violation, new_message_id, now_ms, Db};
use crate::inbox;

pub use shared::dashboard::ConversationAction as Action;

#[derive(Debug, thiserror::Error)]
pub enum HandlingError {
    #[error("no such conversation")]
    NotFound,
    #[error("{0}")]
    Conflict(&'static str, &'static str),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

struct Current {
    status: ConversationStatus,
    session_id: Option<String>,
    channel: Channel,
    /// Where a reply goes outside web chat: the customer's address and the workspace's end.
    delivery: Option<Delivery>,
}

async fn current(
    conn: &mut AnyConnection,
    tenant_id: &str,
    conversation_id: &str,
) -> Result<Current, HandlingError> {
    type Row = (
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT status, session_id, channel, contact_address, channel_ref FROM conversations
          WHERE id = $1 AND tenant_id = $2",
    )
    .bind(conversation_id)
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (status, session_id, channel, address, route) = row.ok_or(HandlingError::NotFound)?;
    let channel = Channel::parse(&channel).ok_or_else(|| decode_error("channel", &channel))?;
    Ok(Current {
        status: ConversationStatus::parse(&status).ok_or(HandlingError::NotFound)?,
        session_id,
        channel,
        delivery: address.zip(route).map(|(recipient, route)| Delivery {
            channel,
            route,
            recipient,
            // A person's reply goes at once.
            delay_ms: 0,
        }),
    })
}

const RESOLVED: HandlingError = HandlingError::Conflict(
    "conversation_resolved",
    "This conversation is resolved. Reopen it first.",
);

/// Applies an action and answers the conversation as it now is.
pub async fn apply(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    user: &User,
    action: Action,
) -> Result<ConversationSummary, HandlingError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let current = current(&mut tx, tenant_id, conversation_id).await?;
    let resolved = current.status == ConversationStatus::Resolved;
    // $1 is the time, $2 the conversation, $3 the teammate.
    let sql = match action {
        Action::TakeOver | Action::HandBack if resolved => return Err(RESOLVED),
        // Waiting for a human is over once one has it; an escalation stays visible.
        Action::TakeOver => {
            "UPDATE conversations SET ai_paused = 1, assignee_id = $3, updated_at = $1,
                status = CASE WHEN status = 'waiting_human' THEN 'open' ELSE status END
             WHERE id = $2"
        }
        Action::HandBack => {
            "UPDATE conversations SET ai_paused = 0, assignee_id = NULL, updated_at = $1,
                status = CASE WHEN status = 'waiting_human' THEN 'open' ELSE status END
             WHERE id = $2"
        }
        Action::Resolve => {
            "UPDATE conversations SET status = 'resolved', ai_paused = 0, updated_at = $1
             WHERE id = $2"
        }
        Action::Reopen if !resolved => {
            tx.rollback().await?;
            return Ok(summary_for(db, tenant_id, conversation_id, user).await?);
        }
        Action::Reopen => "UPDATE conversations SET status = 'open', updated_at = $1 WHERE id = $2",
    };
    let mut query = sqlx::query(sql).bind(now).bind(conversation_id);
    if action == Action::TakeOver {
        query = query.bind(&user.id);
    }
    let updated = query.execute(&mut *tx).await;
    match updated {
        Ok(_) => {}
        // One unresolved conversation per visitor session: the visitor started a new one.
        Err(e) if is_unique_violation(&e) => {
            return Err(HandlingError::Conflict(
                "visitor_has_open_conversation",
                "This visitor already has a newer open conversation; continue there.",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let conversation = inbox::event_summary(&mut tx, tenant_id, conversation_id).await?;
    let event = DashboardEvent::ConversationUpdated { conversation };
    tx.record_event(tenant_id, current.session_id.as_deref(), &event)
        .await?;
    tx.commit().await?;
    tracing::info!(conversation = %conversation_id, user = %user.id, ?action, "conversation handled");
    Ok(summary_for(db, tenant_id, conversation_id, user).await?)
}

async fn summary_for(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    user: &User,
) -> sqlx::Result<ConversationSummary> {
    let mut conn = db.pool.acquire().await?;
    inbox::summary(&mut conn, tenant_id, conversation_id, &user.id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Stores a teammate's reply once per (conversation, client message id): a retry returns the
/// stored one. A
/// reply takes the conversation over: the assistant must not talk over a person.
pub async fn reply(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    user: &User,
    body: &str,
    client_message_id: &str,
) -> Result<TimelineMessage, HandlingError> {
    let now = now_ms();
    let id = new_message_id();
    let mut tx = db.begin_write().await?;
    let current = current(&mut tx, tenant_id, conversation_id).await?;
    if current.status == ConversationStatus::Resolved {
        return Err(RESOLVED);
    }
    if let Some(delivery) = &current.delivery {
        if crate::channels::opted_out(&mut tx, tenant_id, delivery).await? {
            return Err(HandlingError::Conflict(
                "opted_out",
                "This customer texted STOP: nothing can be sent to their number until they text START.",
            ));
        }
    }
    let seq: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (id, tenant_id, conversation_id, author, author_name, user_id, channel, body, client_message_id, created_at)
         VALUES ($1, $2, $3, 'agent', $4, $5, $6, $7, $8, $9)
         ON CONFLICT DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(conversation_id)
    .bind(&user.name)
    .bind(&user.id)
    .bind(current.channel.as_str())
    .bind(body)
    .bind(client_message_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(seq) = seq else {
        // A retry: the first attempt is stored.
        tx.rollback().await?;
        return stored_agent_message(db, conversation_id, user, client_message_id).await;
    };
    sqlx::query(
        "UPDATE conversations SET ai_paused = 1, assignee_id = COALESCE(assignee_id, $1),
            status = CASE WHEN status = 'waiting_human' THEN 'open' ELSE status END
         WHERE id = $2",
    )
    .bind(&user.id)
    .bind(conversation_id)
    .execute(&mut *tx)
    .await?;
    let added = Added {
        tenant_id,
        conversation_id,
        session_id: current.session_id.as_deref(),
        message_id: &id,
        seq,
        author: Author::Agent,
        author_name: Some(&user.name),
        channel: current.channel,
        body,
        client_message_id: Some(client_message_id),
        at: now,
        decision: None,
        queued: current.delivery.is_some(),
        intent: None,
    };
    let message = conversations::message_added(&mut tx, &added).await?.message;
    if let Some(delivery) = &current.delivery {
        let parts = crate::channels::parts(delivery.channel, body);
        outbox::enqueue(&mut tx, tenant_id, &id, delivery, &parts).await?;
    }
    tx.commit().await?;
    Ok(message)
}

/// The reply a retry repeats: idempotency is per (conversation, teammate, client message id).
async fn stored_agent_message(
    db: &Db,
    conversation_id: &str,
    user: &User,
    client_message_id: &str,
) -> Result<TimelineMessage, HandlingError> {
    let id: String = sqlx::query_scalar(
        "SELECT id FROM messages
         WHERE conversation_id = $1 AND user_id = $2 AND client_message_id = $3",
    )
    .bind(conversation_id)
    .bind(&user.id)
    .bind(client_message_id)
    .fetch_one(&db.pool)
    .await?;
    let mut conn = db.pool.acquire().await?;
    Ok(inbox::timeline_message(&mut conn, &id).await?)
}

/// Marks the tenant's conversation read for the user up to its latest visitor message; false
/// when the tenant has no such conversation.
pub async fn mark_read(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    conversation_id: &str,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let marked = sqlx::query(
        "INSERT INTO conversation_reads (user_id, conversation_id, last_read_seq)
         SELECT $1, id, last_visitor_seq FROM conversations WHERE id = $2 AND tenant_id = $3
         ON CONFLICT (user_id, conversation_id) DO UPDATE SET last_read_seq = excluded.last_read_seq",
    )
    .bind(user_id)
    .bind(conversation_id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(marked > 0)
}
