//! Messages of a conversation: the visitor's (stored once per client message id), the replies,
//! and the list columns and event each one brings.

use std::sync::LazyLock;

use shared::api::{Author, Channel, ConversationStatus, MessageView};
use shared::dashboard::{DashboardEvent, DeliveryStatus, MessageDelivery, TimelineMessage};
use shared::decision::Decision;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{decode_error, is_unique_violation, new_id, now_ms, Backend, Db, WriteTx};
use crate::inbox;
use crate::search::document;

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub seq: i64,
    pub id: String,
    pub conversation_id: String,
    pub author: Author,
    pub author_name: Option<String>,
    pub body: String,
    pub client_message_id: Option<String>,
    pub model: Option<String>,
    pub tokens: Option<i64>,
    pub created_at: i64,
}

impl StoredMessage {
    pub fn view(&self) -> MessageView {
        MessageView {
            id: self.id.clone(),
            author: self.author,
            body: self.body.clone(),
            created_at: self.created_at,
            client_message_id: self.client_message_id.clone(),
            author_name: self.author_name.clone(),
        }
    }
}

const MESSAGE_COLUMNS: &str =
    "seq, id, conversation_id, author, author_name, body, client_message_id, model, tokens, created_at";

fn message_from_row(row: &AnyRow) -> sqlx::Result<StoredMessage> {
    let author: String = row.try_get("author")?;
    Ok(StoredMessage {
        seq: row.try_get("seq")?,
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        author: Author::parse(&author).ok_or_else(|| decode_error("author", &author))?,
        author_name: row.try_get("author_name")?,
        body: row.try_get("body")?,
        client_message_id: row.try_get("client_message_id")?,
        model: row.try_get("model")?,
        tokens: row.try_get("tokens")?,
        created_at: row.try_get("created_at")?,
    })
}

/// How stale a session's `last_seen_at` may get before a message writes it again.
pub const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;

/// Stores a visitor's message once per client message id; a retry returns the stored one.
/// `true` with it: this call stored it. `last_seen_at`, the session's as read before: the
/// session is marked seen only when that is older than [`LAST_SEEN_GRANULARITY_MS`].
pub async fn insert_visitor_message(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    session_id: &str,
    body: &str,
    client_message_id: &str,
    last_seen_at: i64,
) -> sqlx::Result<(StoredMessage, bool)> {
    let owned = [
        tenant_id,
        conversation_id,
        session_id,
        body,
        client_message_id,
    ]
    .map(str::to_owned);
    db.write(move |db| async move {
        let [tenant_id, conversation_id, session_id, body, client_message_id] = owned;
        store_visitor_message(
            &db,
            &tenant_id,
            &conversation_id,
            &session_id,
            &body,
            &client_message_id,
            last_seen_at,
        )
        .await
    })
    .await
}

async fn store_visitor_message(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    session_id: &str,
    body: &str,
    client_message_id: &str,
    last_seen_at: i64,
) -> sqlx::Result<(StoredMessage, bool)> {
    let now = now_ms();
    let id = new_id("msg");
    let mut tx = db.begin_write().await?;
    let seq: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (id, tenant_id, conversation_id, session_id, author, channel, body, client_message_id, created_at)
         VALUES ($1, $2, $3, $4, 'visitor', $5, $6, $7, $8)
         ON CONFLICT DO NOTHING RETURNING seq",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(conversation_id)
    .bind(session_id)
    .bind(Channel::Web.as_str())
    .bind(body)
    .bind(client_message_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(seq) = seq {
        let added = Added {
            tenant_id,
            conversation_id,
            session_id: Some(session_id),
            message_id: &id,
            seq,
            author: Author::Visitor,
            author_name: None,
            channel: Channel::Web,
            body,
            client_message_id: Some(client_message_id),
            at: now,
            decision: None,
            queued: false,
        };
        message_added(&mut tx, &added).await?;
        if last_seen_at <= now - LAST_SEEN_GRANULARITY_MS {
            sqlx::query("UPDATE visitor_sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    match seq {
        // Everything is known: nothing to read back.
        Some(seq) => Ok((
            StoredMessage {
                seq,
                id,
                conversation_id: conversation_id.to_owned(),
                author: Author::Visitor,
                author_name: None,
                body: body.to_owned(),
                client_message_id: Some(client_message_id.to_owned()),
                model: None,
                tokens: None,
                created_at: now,
            },
            true,
        )),
        // A racing retry stored it first.
        None => Ok((
            find_by_client_message_id(db, session_id, client_message_id)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?,
            false,
        )),
    }
}

/// A message just inserted, for [`message_added`].
pub struct Added<'a> {
    pub tenant_id: &'a str,
    pub conversation_id: &'a str,
    /// The visitor session whose widget should see it.
    pub session_id: Option<&'a str>,
    pub message_id: &'a str,
    pub seq: i64,
    pub author: Author,
    /// The teammate's or the assistant's name, shown with the message.
    pub author_name: Option<&'a str>,
    pub channel: Channel,
    pub body: &'a str,
    pub client_message_id: Option<&'a str>,
    pub at: i64,
    /// Why the assistant answered so (its replies only).
    pub decision: Option<&'a Decision>,
    /// Queued in the outbox, to go out through the channel's provider.
    pub queued: bool,
}

impl Added<'_> {
    /// The message as the timeline shows it: everything is known, nothing to read back.
    fn timeline(&self) -> TimelineMessage {
        TimelineMessage {
            id: self.message_id.to_owned(),
            conversation_id: self.conversation_id.to_owned(),
            author: self.author,
            author_name: self.author_name.map(str::to_owned),
            channel: self.channel,
            body: self.body.to_owned(),
            created_at: self.at,
            client_message_id: self.client_message_id.map(str::to_owned),
            why: self.decision.map(shared::decision::why).unwrap_or_default(),
            delivery: self.queued.then_some(MessageDelivery {
                status: DeliveryStatus::Queued,
                error: None,
            }),
        }
    }
}

/// Brings the conversation's list columns up to date with a message inserted in this
/// transaction, then records the `message_created` event (with the conversation as it now is);
/// answers the message as the timeline shows it, and the conversation's status.
/// The conversation's `UPDATE` for a new message, per backend: built once, not per message.
static MESSAGE_ADDED_SQLITE: LazyLock<String> =
    LazyLock::new(|| message_added_sql(Backend::Sqlite));
static MESSAGE_ADDED_POSTGRES: LazyLock<String> =
    LazyLock::new(|| message_added_sql(Backend::Postgres));

fn message_added_sql(backend: Backend) -> String {
    format!(
        "UPDATE conversations SET
            message_count = message_count + 1,
            last_message_preview = $1,
            last_message_author = $2,
            last_message_at = $3,
            updated_at = $3,
            first_visitor_message = CASE WHEN $4 = 1 AND first_visitor_message IS NULL
                                         THEN $5 ELSE first_visitor_message END,
            last_visitor_seq = CASE WHEN $4 = 1 THEN $6 ELSE last_visitor_seq END,
            {}
         WHERE id = $7",
        // The conversation's search document grows in the same row version.
        document::update_set(backend)
    )
}

pub async fn message_added(
    tx: &mut WriteTx,
    added: &Added<'_>,
) -> sqlx::Result<(TimelineMessage, ConversationStatus)> {
    let is_visitor = i64::from(added.author == Author::Visitor);
    let backend = tx.backend();
    let sql = match backend {
        Backend::Sqlite => &*MESSAGE_ADDED_SQLITE,
        Backend::Postgres => &*MESSAGE_ADDED_POSTGRES,
    };
    let query = sqlx::query(sql)
        .bind(inbox::preview(added.body))
        .bind(added.author.as_str())
        .bind(added.at)
        .bind(is_visitor)
        .bind(added.body)
        .bind(added.seq)
        .bind(added.conversation_id);
    match backend {
        Backend::Sqlite => query.bind(document::sqlite_words(added.body)),
        Backend::Postgres => query.bind(document::MAX_LEXEMES),
    }
    .execute(&mut **tx)
    .await?;
    let conversation = inbox::event_summary(tx, added.tenant_id, added.conversation_id).await?;
    let status = conversation.status;
    let event = DashboardEvent::MessageCreated {
        conversation_id: added.conversation_id.to_owned(),
        message: added.timeline(),
        conversation,
    };
    tx.record_event(added.tenant_id, added.session_id, &event)
        .await?;
    Ok((added.timeline(), status))
}

pub async fn find_by_client_message_id(
    db: &Db,
    session_id: &str,
    client_message_id: &str,
) -> sqlx::Result<Option<StoredMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND client_message_id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(session_id)
        .bind(client_message_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(message_from_row).transpose()
}

/// Message `message_id`, whoever wrote it.
pub async fn find_message(db: &Db, message_id: &str) -> sqlx::Result<Option<StoredMessage>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(message_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(message_from_row).transpose()
}

pub async fn find_reply(db: &Db, message_id: &str) -> sqlx::Result<Option<StoredMessage>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE reply_to = $1");
    let row = sqlx::query(&sql)
        .bind(message_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(message_from_row).transpose()
}

/// The catch-all intent.
const GENERAL_INTENT: &str = "general";

/// What happened to the conversation along with a reply.
#[derive(Debug, Clone, Default)]
pub struct ReplyEffects {
    /// To the team (`waiting_human`), unless it is already further along.
    pub hand_to_human: bool,
    /// A serious situation: `escalated`, the assistant stops answering until a teammate acts.
    pub escalate: bool,
    /// Ended (`resolved`), e.g. on a blocked phrase whose action ends the conversation.
    pub resolve: bool,
    pub flag_reason: Option<String>,
    /// The assistant that has the conversation from now on, and whether that is a handoff
    /// (counted against the workspace's maximum) rather than routing picking the first one.
    pub assistant: Option<(String, bool)>,
    /// The customer's latest confident intent: the conversation's from now on, except that
    /// `general` (small talk, "ok", "thanks") never replaces a more specific one.
    pub intent: Option<String>,
}

/// A reply to be stored. Owns its parts: it is written on the writer's thread.
pub struct NewReply {
    /// The id chosen before the reply was written (a streamed draft carries it); else a new one.
    pub id: Option<String>,
    pub tenant_id: String,
    pub conversation_id: String,
    pub session_id: Option<String>,
    pub reply_to: StoredMessage,
    pub author: Author,
    pub author_name: Option<String>,
    pub body: String,
    pub model: String,
    pub tokens: Option<u32>,
    /// Why the assistant answered so, stored with the reply for agents.
    pub decision: Option<Decision>,
    /// The conversation's channel.
    pub channel: Channel,
    /// Where the reply is sent (SMS, email): queued in the outbox with it, so a stored reply is
    /// always sent. `None` for web chat (the widget reads it).
    pub delivery: Option<crate::channels::outbox::Delivery>,
}

/// Stores the reply to a visitor message and applies its effects on the conversation in one
/// transaction; answers it with the conversation's status after it. If a racing retry stored a
/// reply first, that one is returned.
pub async fn insert_reply(
    db: &Db,
    reply: NewReply,
    effects: &ReplyEffects,
) -> sqlx::Result<(StoredMessage, ConversationStatus)> {
    let effects = effects.clone();
    db.write(move |db| async move { store_reply(&db, &reply, &effects).await })
        .await
}

async fn store_reply(
    db: &Db,
    reply: &NewReply,
    effects: &ReplyEffects,
) -> sqlx::Result<(StoredMessage, ConversationStatus)> {
    let now = now_ms();
    let id = reply.id.clone().unwrap_or_else(|| new_id("msg"));
    let mut tx = db.begin_write().await?;
    let inserted: sqlx::Result<i64> = sqlx::query_scalar(
        "INSERT INTO messages (id, tenant_id, conversation_id, author, author_name, channel, body, reply_to, model, tokens, created_at, decision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq",
    )
    .bind(&id)
    .bind(&reply.tenant_id)
    .bind(&reply.conversation_id)
    .bind(reply.author.as_str())
    .bind(&reply.author_name)
    .bind(reply.channel.as_str())
    .bind(&reply.body)
    .bind(&reply.reply_to.id)
    .bind(&reply.model)
    .bind(reply.tokens.map(i64::from))
    .bind(now)
    .bind(reply.decision.as_ref().and_then(|d| serde_json::to_string(d).ok()))
    .fetch_one(&mut *tx)
    .await;
    let seq = match inserted {
        Ok(seq) => seq,
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            let stored = find_reply(db, &reply.reply_to.id)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            let conversation = super::find_conversation(db, &reply.conversation_id).await?;
            return Ok((stored, conversation.status));
        }
        Err(e) => return Err(e),
    };
    if effects.hand_to_human {
        sqlx::query(
            "UPDATE conversations SET status = 'waiting_human' WHERE id = $1 AND status = 'open'",
        )
        .bind(&reply.conversation_id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some((assistant_id, handoff)) = &effects.assistant {
        sqlx::query(
            "UPDATE conversations SET assistant_id = $1, handoffs = handoffs + $2 WHERE id = $3",
        )
        .bind(assistant_id)
        .bind(i64::from(*handoff))
        .bind(&reply.conversation_id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(intent) = &effects.intent {
        sqlx::query(
            "UPDATE conversations SET intent = $1
              WHERE id = $2 AND ($3 = 0 OR intent IS NULL)",
        )
        .bind(intent)
        .bind(&reply.conversation_id)
        .bind(i64::from(intent == GENERAL_INTENT))
        .execute(&mut *tx)
        .await?;
    }
    if effects.escalate {
        sqlx::query(
            "UPDATE conversations SET status = 'escalated'
              WHERE id = $1 AND status IN ('open', 'waiting_human')",
        )
        .bind(&reply.conversation_id)
        .execute(&mut *tx)
        .await?;
    }
    if effects.resolve {
        sqlx::query("UPDATE conversations SET status = 'resolved' WHERE id = $1")
            .bind(&reply.conversation_id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(reason) = &effects.flag_reason {
        sqlx::query("UPDATE conversations SET flagged = 1, flag_reason = $1 WHERE id = $2")
            .bind(reason)
            .bind(&reply.conversation_id)
            .execute(&mut *tx)
            .await?;
    }
    let added = Added {
        tenant_id: &reply.tenant_id,
        conversation_id: &reply.conversation_id,
        session_id: reply.session_id.as_deref(),
        message_id: &id,
        seq,
        author: reply.author,
        author_name: reply.author_name.as_deref(),
        channel: reply.channel,
        body: &reply.body,
        client_message_id: None,
        at: now,
        decision: reply.decision.as_ref(),
        queued: reply.delivery.is_some(),
    };
    let (_, status) = message_added(&mut tx, &added).await?;
    if let Some(delivery) = &reply.delivery {
        let parts = crate::channels::parts(delivery.channel, &reply.body);
        crate::channels::outbox::enqueue(&mut tx, &reply.tenant_id, &id, delivery, &parts).await?;
    }
    tx.commit().await?;
    let stored = StoredMessage {
        seq,
        id,
        conversation_id: reply.conversation_id.clone(),
        author: reply.author,
        author_name: reply.author_name.clone(),
        body: reply.body.clone(),
        client_message_id: None,
        model: Some(reply.model.clone()),
        tokens: reply.tokens.map(i64::from),
        created_at: now,
    };
    Ok((stored, status))
}

/// How many of the assistant's latest replies in a row could not answer the question (safety
/// replies and replies from before decisions were kept end the run).
pub async fn unanswered_streak(db: &Db, conversation_id: &str) -> sqlx::Result<u32> {
    let decisions: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT decision FROM messages WHERE conversation_id = $1 AND author = 'assistant'
          ORDER BY seq DESC LIMIT 10",
    )
    .bind(conversation_id)
    .fetch_all(&db.pool)
    .await?;
    let streak = decisions
        .into_iter()
        .map(|json| json.and_then(|j| serde_json::from_str::<Decision>(&j).ok()))
        .take_while(|d| {
            d.as_ref()
                .is_some_and(|d| !d.reply.answered && d.safety.is_empty())
        })
        .count();
    Ok(u32::try_from(streak).unwrap_or(u32::MAX))
}

/// Up to `limit` messages of a conversation before `before_seq` (all when `None`), oldest first.
pub async fn recent_messages(
    db: &Db,
    conversation_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2
         ORDER BY seq DESC LIMIT $3"
    );
    let mut messages = sqlx::query(&sql)
        .bind(conversation_id)
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(message_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}

/// The newest `limit` messages of the client's other web conversations (oldest first): only
/// conversations whose visitor proved to be this client, never a stranger's unverified claim.
pub async fn earlier_web_messages(
    db: &Db,
    tenant_id: &str,
    client_id: &str,
    except_conversation_id: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<StoredMessage>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id IN (
           SELECT id FROM conversations
           WHERE tenant_id = $1 AND client_id = $2 AND client_verified = 1 AND channel = $3
             AND id <> $4)
         ORDER BY seq DESC LIMIT $5"
    );
    let mut messages = sqlx::query(&sql)
        .bind(tenant_id)
        .bind(client_id)
        .bind(Channel::Web.as_str())
        .bind(except_conversation_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(message_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}
