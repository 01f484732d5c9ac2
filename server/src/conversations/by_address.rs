//! Conversations with a customer address outside the web (an SMS sender's number, an email
//! sender's address): one open conversation per workspace, channel and address, resumed while
//! its last message is recent, and the customer's messages stored once per provider message id.

use shared::api::{Author, Channel};
use shared::dashboard::DashboardEvent;
use sqlx::Row;

use super::{conversation_from_row, message_added, Added, Conversation, StoredMessage};
use crate::db::{is_unique_violation, new_id, new_message_id, now_ms, Db};
use crate::inbox;

/// A conversation whose last message is older than this is not resumed: the customer's next
/// message starts a new one.
pub const RESUME_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

/// Who writes, from where, to which of the workspace's ends.
#[derive(Debug, Clone, Copy)]
pub struct Contact<'a> {
    pub tenant_id: &'a str,
    pub channel: Channel,
    /// The workspace's end (an SMS channel's id).
    pub channel_ref: &'a str,
    /// The customer's address (E.164 number, email address).
    pub address: &'a str,
    pub client_id: &'a str,
    /// A conversation this starts goes to the team, without the assistant (the workspace's
    /// capped plan has no conversations left this cycle).
    pub to_team: bool,
}

impl Contact<'_> {
    /// `status` and `ai_paused` of a conversation this starts.
    fn start_state(&self) -> (&'static str, i64) {
        if self.to_team {
            ("waiting_human", 1)
        } else {
            ("open", 0)
        }
    }
}

/// Whether a message with this provider id is stored already (a redelivered webhook).
pub async fn external_id_seen(
    db: &Db,
    tenant_id: &str,
    channel: Channel,
    external_id: &str,
) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE tenant_id = $1 AND channel = $2 AND external_id = $3",
    )
    .bind(tenant_id)
    .bind(channel.as_str())
    .bind(external_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// The conversation with `contact`: its open one while recent (one gone quiet for
/// [`RESUME_WINDOW_MS`] is resolved and a new one started), else its latest recent one
/// reopened, else a new one answered by `assistant_id`. Safe under concurrent first messages:
/// a partial unique index keeps one open conversation per address.
pub async fn open_for_contact(
    db: &Db,
    contact: &Contact<'_>,
    assistant_id: &str,
) -> sqlx::Result<Conversation> {
    let now = now_ms();
    let recent = now - RESUME_WINDOW_MS;
    for _ in 0..3 {
        let open = sqlx::query(
            "SELECT id, status, flagged, ai_paused, last_message_at FROM conversations
              WHERE tenant_id = $1 AND channel = $2 AND contact_address = $3
                AND status <> 'resolved'",
        )
        .bind(contact.tenant_id)
        .bind(contact.channel.as_str())
        .bind(contact.address)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(row) = open {
            if row.try_get::<i64, _>("last_message_at")? >= recent {
                return conversation_from_row(&row);
            }
            let id: String = row.try_get("id")?;
            set_status(db, contact.tenant_id, &id, "resolved").await?;
            continue;
        }
        let latest: Option<(String, i64)> = sqlx::query_as(
            "SELECT id, last_message_at FROM conversations
              WHERE tenant_id = $1 AND channel = $2 AND contact_address = $3
              ORDER BY last_message_at DESC, id DESC LIMIT 1",
        )
        .bind(contact.tenant_id)
        .bind(contact.channel.as_str())
        .bind(contact.address)
        .fetch_optional(&db.pool)
        .await?;
        match latest {
            Some((id, at)) if at >= recent => {
                if set_status(db, contact.tenant_id, &id, "open").await? {
                    continue;
                }
            }
            _ => {
                create(db, contact, assistant_id, now).await?;
            }
        }
    }
    // Three rounds of racing writers: read what won.
    let row = sqlx::query(
        "SELECT id, status, flagged, ai_paused FROM conversations
          WHERE tenant_id = $1 AND channel = $2 AND contact_address = $3
            AND status <> 'resolved'",
    )
    .bind(contact.tenant_id)
    .bind(contact.channel.as_str())
    .bind(contact.address)
    .fetch_one(&db.pool)
    .await?;
    conversation_from_row(&row)
}

/// The email thread a message belongs to: the conversation of a message it replies to (its
/// `In-Reply-To` / `References` ids, `thread_keys`, newest first), else the sender's recent
/// conversation with the same normalised subject, else a new one. A resolved thread the customer
/// writes in again is reopened.
pub async fn open_for_email_thread(
    db: &Db,
    contact: &Contact<'_>,
    thread_keys: &[String],
    subject: &str,
    assistant_id: &str,
) -> sqlx::Result<Conversation> {
    let select = "SELECT id, status, flagged, ai_paused FROM conversations WHERE id = $1";
    for key in thread_keys {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT conversation_id FROM messages
              WHERE tenant_id = $1 AND channel = 'email' AND external_id = $2",
        )
        .bind(contact.tenant_id)
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(id) = found {
            return reopened(db, contact.tenant_id, &id, select).await;
        }
    }
    if !subject.is_empty() {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM conversations
              WHERE tenant_id = $1 AND channel = 'email' AND contact_address = $2
                AND subject = $3 AND last_message_at >= $4
              ORDER BY last_message_at DESC, id DESC LIMIT 1",
        )
        .bind(contact.tenant_id)
        .bind(contact.address)
        .bind(subject)
        .bind(now_ms() - RESUME_WINDOW_MS)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(id) = found {
            return reopened(db, contact.tenant_id, &id, select).await;
        }
    }
    let id = new_id("cv");
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO conversations
           (id, tenant_id, client_id, client_verified, assistant_id, channel, status, ai_paused,
            contact_address, channel_ref, subject, created_at, updated_at, last_message_at)
         VALUES ($1, $2, $3, 1, $4, $5, $10, $11, $6, $7, $8, $9, $9, $9)",
    )
    .bind(&id)
    .bind(contact.tenant_id)
    .bind(contact.client_id)
    .bind(assistant_id)
    .bind(contact.channel.as_str())
    .bind(contact.address)
    .bind(contact.channel_ref)
    .bind(subject)
    .bind(now)
    .bind(contact.start_state().0)
    .bind(contact.start_state().1)
    .execute(&mut *tx)
    .await?;
    let conversation = inbox::event_summary(&mut tx, contact.tenant_id, &id).await?;
    let event = DashboardEvent::ConversationCreated { conversation };
    tx.record_event(contact.tenant_id, None, &event).await?;
    tx.commit().await?;
    let row = sqlx::query(select).bind(&id).fetch_one(&db.pool).await?;
    conversation_from_row(&row)
}

/// The conversation `id`, reopened first when it was resolved.
async fn reopened(db: &Db, tenant_id: &str, id: &str, select: &str) -> sqlx::Result<Conversation> {
    let row = sqlx::query(select).bind(id).fetch_one(&db.pool).await?;
    let conversation = conversation_from_row(&row)?;
    if conversation.status == shared::api::ConversationStatus::Resolved {
        set_status(db, tenant_id, id, "open").await?;
        let row = sqlx::query(select).bind(id).fetch_one(&db.pool).await?;
        return conversation_from_row(&row);
    }
    Ok(conversation)
}

/// Moves a conversation to `status` and tells the dashboards; `true` when it changed (a racing
/// reopen that would make a second open conversation changes nothing).
async fn set_status(db: &Db, tenant_id: &str, id: &str, status: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3 AND status <> $1",
    )
    .bind(status)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await;
    let changed = match changed {
        Ok(done) => done.rows_affected() > 0,
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    if changed {
        let conversation = inbox::event_summary(&mut tx, tenant_id, id).await?;
        let event = DashboardEvent::ConversationUpdated { conversation };
        tx.record_event(tenant_id, None, &event).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn create(db: &Db, contact: &Contact<'_>, assistant_id: &str, now: i64) -> sqlx::Result<()> {
    let id = new_id("cv");
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO conversations
           (id, tenant_id, client_id, client_verified, assistant_id, channel, status, ai_paused,
            contact_address, channel_ref, created_at, updated_at, last_message_at)
         VALUES ($1, $2, $3, 1, $4, $5, $9, $10, $6, $7, $8, $8, $8)
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(contact.tenant_id)
    .bind(contact.client_id)
    .bind(assistant_id)
    .bind(contact.channel.as_str())
    .bind(contact.address)
    .bind(contact.channel_ref)
    .bind(now)
    .bind(contact.start_state().0)
    .bind(contact.start_state().1)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        let conversation = inbox::event_summary(&mut tx, contact.tenant_id, &id).await?;
        let event = DashboardEvent::ConversationCreated { conversation };
        tx.record_event(contact.tenant_id, None, &event).await?;
    }
    tx.commit().await
}

/// Stores the customer's message once per provider id; `None` when a racing redelivery stored
/// it first.
pub async fn insert_customer_message(
    db: &Db,
    contact: &Contact<'_>,
    conversation_id: &str,
    body: &str,
    external_id: &str,
    email_meta: Option<&str>,
) -> sqlx::Result<Option<StoredMessage>> {
    let now = now_ms();
    let id = new_message_id();
    let mut tx = db.begin_write().await?;
    let seq: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages
           (id, tenant_id, conversation_id, author, channel, body, external_id, created_at,
            email_meta)
         VALUES ($1, $2, $3, 'visitor', $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(contact.tenant_id)
    .bind(conversation_id)
    .bind(contact.channel.as_str())
    .bind(body)
    .bind(external_id)
    .bind(now)
    .bind(email_meta)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(seq) = seq else {
        tx.rollback().await?;
        return Ok(None);
    };
    let added = Added {
        tenant_id: contact.tenant_id,
        conversation_id,
        session_id: None,
        message_id: &id,
        seq,
        author: Author::Visitor,
        author_name: None,
        channel: contact.channel,
        body,
        client_message_id: None,
        at: now,
        decision: None,
        queued: false,
        intent: None,
    };
    message_added(&mut tx, &added).await?;
    tx.commit().await?;
    Ok(Some(StoredMessage {
        seq,
        id,
        conversation_id: conversation_id.to_owned(),
        author: Author::Visitor,
        author_name: None,
        body: body.to_owned(),
        client_message_id: None,
        model: None,
        tokens: None,
        created_at: now,
    }))
}
