//! Visitor sessions and their conversations in the store; the messages are in [`messages`];
//! conversations with a phone number or an email address (SMS, email) in [`by_address`].

pub mod actions;
pub mod by_address;
mod messages;

use shared::api::{Channel, ConversationStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::clients;
use crate::db::direct::{now_or_never, Arg, Cols, First, FromCols, Tx};
use crate::db::{decode_error, new_id, now_ms, Backend, Db};
use crate::events::{Change, Entry};
pub use messages::*;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    /// The client whose email the visitor gave: a proven identity when `verified`, else a claim.
    pub client_id: Option<String>,
    /// The name and email the visitor gave in this session, as given.
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    /// The visitor proved the email with a valid `userHash` of the workspace's current secret.
    pub verified: bool,
}

/// Who the visitor of a session says (or proved) they are.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The client with the visitor's email.
    pub client_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    /// The identity secret whose `userHash` proved the email; `None`: only a claim.
    pub verified_by: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub status: ConversationStatus,
    pub flagged: bool,
    /// A teammate took over: the assistant does not answer.
    pub ai_paused: bool,
}

impl Conversation {
    /// Whether the assistant answers the customer's messages: not once a teammate took over,
    /// nor in an escalated conversation (a teammate must look first).
    pub fn assistant_answers(&self) -> bool {
        !self.ai_paused && self.status != ConversationStatus::Escalated
    }
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

/// A new visitor session of the tenant; answers its id.
pub async fn create_session(db: &Db, tenant_id: &str) -> sqlx::Result<String> {
    let id = new_id("ses");
    if db.backend == Backend::Sqlite {
        let (session_id, tenant_id) = (id.clone(), tenant_id.to_owned());
        db.write_direct(move |tx| {
            now_or_never(insert_session(&mut Tx::Direct(tx), &session_id, &tenant_id))
        })
        .await
        .unwrap_or_else(no_direct_writer)?;
    } else {
        let mut tx = db.begin_write().await?;
        insert_session(&mut Tx::Sqlx(&mut tx), &id, tenant_id).await?;
        tx.commit().await?;
    }
    Ok(id)
}

async fn insert_session(tx: &mut Tx<'_, '_>, id: &str, tenant_id: &str) -> sqlx::Result<()> {
    tx.execute(
        "INSERT INTO visitor_sessions (id, tenant_id, created_at, last_seen_at)
         VALUES ($1, $2, $3, $3)",
        &[Arg::Text(id), Arg::Text(tenant_id), Arg::Int(now_ms())],
    )
    .await
    .map(drop)
}

/// A session of this tenant; another tenant's session id finds nothing.
pub async fn find_session(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
) -> sqlx::Result<Option<Session>> {
    // Verified only while the secret that verified it is current: rotating it ends that.
    let row = sqlx::query(
        "SELECT s.id, s.client_id, s.visitor_name, s.visitor_email,
           CAST(CASE WHEN s.verified_secret_id = i.id THEN 1 ELSE 0 END AS BIGINT) AS verified
         FROM visitor_sessions s
         LEFT JOIN identity_secrets i ON i.tenant_id = s.tenant_id
         WHERE s.id = $1 AND s.tenant_id = $2",
    )
    .bind(session_id)
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(Session {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            visitor_name: r.try_get("visitor_name")?,
            visitor_email: r.try_get("visitor_email")?,
            verified: r.try_get::<i64, _>("verified")? != 0,
        })
    })
    .transpose()
}

/// What a chat message needs to know before it is stored, in one read: the session, its
/// unresolved conversation with what routing needs of it, and whether the message is a retry.
#[derive(Debug, Clone)]
pub struct ChatContext {
    pub session: Session,
    pub open: Option<(Conversation, RoutingState)>,
    /// The id of the message already stored with this client message id (a retry).
    pub retry_of: Option<String>,
    /// When the session was last written as seen (ms).
    pub last_seen_at: i64,
}

/// The read behind [`ChatContext`]: `$1` the session, `$2` the tenant, `$3` the client message id.
const CHAT_CONTEXT_SQL: &str =
    "SELECT s.id, s.client_id, s.visitor_name, s.visitor_email, s.last_seen_at,
           CAST(CASE WHEN s.verified_secret_id = i.id THEN 1 ELSE 0 END AS BIGINT) AS verified,
           c.id AS conversation_id, c.status, c.flagged, c.ai_paused, c.assistant_id, c.handoffs,
           c.unanswered_replies, c.assistant_replied AS started,
           (SELECT m.id FROM messages m
             WHERE m.session_id = s.id AND m.client_message_id = $3) AS retry_of
         FROM visitor_sessions s
         LEFT JOIN identity_secrets i ON i.tenant_id = s.tenant_id
         LEFT JOIN conversations c ON c.session_id = s.id AND c.status <> 'resolved'
         WHERE s.id = $1 AND s.tenant_id = $2";

/// [`ChatContext`] of a session of this tenant; another tenant's session id finds nothing.
pub async fn chat_context(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
    client_message_id: &str,
) -> sqlx::Result<Option<ChatContext>> {
    db.fetch_optional::<ChatContext>(
        CHAT_CONTEXT_SQL,
        &chat_context_args(tenant_id, session_id, client_message_id),
    )
    .await
}

fn chat_context_args<'a>(
    tenant_id: &'a str,
    session_id: &'a str,
    client_message_id: &'a str,
) -> [Arg<'a>; 3] {
    [
        Arg::Text(session_id),
        Arg::Text(tenant_id),
        Arg::Text(client_message_id),
    ]
}

/// [`chat_context`] inside a write transaction.
async fn chat_context_in(
    tx: &mut Tx<'_, '_>,
    tenant_id: &str,
    session_id: &str,
    client_message_id: &str,
) -> sqlx::Result<Option<ChatContext>> {
    tx.fetch_optional::<ChatContext>(
        CHAT_CONTEXT_SQL,
        &chat_context_args(tenant_id, session_id, client_message_id),
    )
    .await
}

impl FromCols for ChatContext {
    fn from_cols(r: &impl Cols) -> sqlx::Result<Self> {
        let session = Session {
            id: r.col("id")?,
            client_id: r.col("client_id")?,
            visitor_name: r.col("visitor_name")?,
            visitor_email: r.col("visitor_email")?,
            verified: r.col::<i64>("verified")? != 0,
        };
        let open = match r.col::<Option<String>>("conversation_id")? {
            Some(id) => {
                let status: String = r.col("status")?;
                let conversation = Conversation {
                    id,
                    status: ConversationStatus::parse(&status)
                        .ok_or_else(|| decode_error("status", &status))?,
                    flagged: r.col::<i64>("flagged")? != 0,
                    ai_paused: r.col::<i64>("ai_paused")? != 0,
                };
                let routing = RoutingState {
                    assistant_id: r.col("assistant_id")?,
                    handoffs: u32::try_from(r.col::<i64>("handoffs")?).unwrap_or(0),
                    started: r.col::<i64>("started")? != 0,
                    unanswered: u32::try_from(r.col::<i64>("unanswered_replies")?).unwrap_or(0),
                };
                Some((conversation, routing))
            }
            None => None,
        };
        Ok(ChatContext {
            session,
            open,
            retry_of: r.col("retry_of")?,
            last_seen_at: r.col("last_seen_at")?,
        })
    }
}

/// The widget's contact step, owned: it is written on the writer's thread.
pub struct ContactStep {
    pub tenant_id: String,
    pub session_id: String,
    pub name: String,
    pub email: shared::Email,
    /// The identity secret whose `userHash` proved the email; `None`: only a claim.
    pub verified_by: Option<String>,
}

/// The widget's contact step in one write transaction: the client with this email (found or
/// created; see [`clients::by_email_in`]), who the session's visitor is, and the link from the
/// session and its unresolved conversation to the client (as a claim unless verified).
pub async fn set_contact(db: &Db, step: ContactStep) -> sqlx::Result<clients::Client> {
    if db.backend == Backend::Sqlite {
        return db
            .write_direct(move |tx| now_or_never(set_contact_in(&mut Tx::Direct(tx), &step)))
            .await
            .unwrap_or_else(no_direct_writer);
    }
    db.write(move |db| async move {
        let mut tx = db.begin_write().await?;
        let client = set_contact_in(&mut Tx::Sqlx(&mut tx), &step).await?;
        tx.commit().await?;
        Ok(client)
    })
    .await
}

async fn set_contact_in(tx: &mut Tx<'_, '_>, step: &ContactStep) -> sqlx::Result<clients::Client> {
    let verified = step.verified_by.is_some();
    let client =
        clients::by_email_in(tx, &step.tenant_id, &step.name, &step.email, verified).await?;
    let identity = Identity {
        client_id: &client.id,
        name: &step.name,
        email: step.email.as_str(),
        verified_by: step.verified_by.as_deref(),
    };
    link_client_in(tx, &step.tenant_id, &step.session_id, &identity).await?;
    Ok(client)
}

/// Records who the session's visitor is and links the session, and its unresolved conversation,
/// to the client (as a claim unless verified).
async fn link_client_in(
    tx: &mut Tx<'_, '_>,
    tenant_id: &str,
    session_id: &str,
    identity: &Identity<'_>,
) -> sqlx::Result<()> {
    let now = now_ms();
    let verified = i64::from(identity.verified_by.is_some());
    tx.execute(
        "UPDATE visitor_sessions SET client_id = $1, visitor_name = $2, visitor_email = $3,
           verified_secret_id = $4, last_seen_at = $5
         WHERE id = $6",
        &[
            Arg::Text(identity.client_id),
            Arg::Text(identity.name),
            Arg::Text(identity.email),
            identity.verified_by.into(),
            Arg::Int(now),
            Arg::Text(session_id),
        ],
    )
    .await?;
    tx.execute(
        "UPDATE conversations SET client_id = $1, client_verified = $2, visitor_name = $3,
           updated_at = $4
         WHERE session_id = $5 AND status <> 'resolved'",
        &[
            Arg::Text(identity.client_id),
            Arg::Int(verified),
            Arg::Text(identity.name),
            Arg::Int(now),
            Arg::Text(session_id),
        ],
    )
    .await?;
    let open = tx
        .fetch_optional::<First<String>>(
            "SELECT id FROM conversations WHERE session_id = $1 AND status <> 'resolved'",
            &[Arg::Text(session_id)],
        )
        .await?;
    if let Some(First(conversation_id)) = open {
        let entry = Entry::Conversation {
            conversation_id: &conversation_id,
            change: Change::Updated,
        };
        tx.record_event(tenant_id, Some(session_id), entry).await?;
    }
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
    let mut tx = db.begin_write().await?;
    let opened = open_in(&mut Tx::Sqlx(&mut tx), tenant_id, session, assistant_id).await?;
    tx.commit().await?;
    if let Some(conversation) = opened {
        return Ok(conversation);
    }
    // A racing first message opened it.
    let row = sqlx::query(select)
        .bind(&session.id)
        .fetch_one(&db.pool)
        .await?;
    conversation_from_row(&row)
}

/// Opens a web conversation for the session with `assistant_id` in `tx`, and records its
/// `conversation_created` event (by reference); `None` when the session has an unresolved
/// conversation already.
pub async fn open_in(
    tx: &mut Tx<'_, '_>,
    tenant_id: &str,
    session: &Session,
    assistant_id: &str,
) -> sqlx::Result<Option<Conversation>> {
    let now = now_ms();
    let id = new_id("cv");
    let inserted = tx
        .execute(
            "INSERT INTO conversations
               (id, tenant_id, session_id, client_id, client_verified, visitor_name, assistant_id,
                channel, status, created_at, updated_at, last_message_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9, $9)
             ON CONFLICT DO NOTHING",
            &[
                Arg::Text(&id),
                Arg::Text(tenant_id),
                Arg::Text(&session.id),
                session.client_id.as_ref().into(),
                Arg::Int(i64::from(session.verified)),
                session.visitor_name.as_ref().into(),
                Arg::Text(assistant_id),
                Arg::Text(Channel::Web.as_str()),
                Arg::Int(now),
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    tx.record_event(
        tenant_id,
        Some(&session.id),
        Entry::Conversation {
            conversation_id: &id,
            change: Change::Created,
        },
    )
    .await?;
    Ok(Some(Conversation {
        id,
        status: ConversationStatus::Open,
        flagged: false,
        ai_paused: false,
    }))
}

/// The name the assistant may call the session's visitor: the client's when the visitor proved
/// who they are, else only the name given in this session (never a stored client's).
pub async fn name_to_address(
    db: &Db,
    tenant_id: &str,
    session: &Session,
    client_id: &str,
) -> sqlx::Result<Option<String>> {
    if session.verified {
        if let Some(client) = crate::clients::find(db, tenant_id, client_id).await? {
            return Ok(Some(client.name));
        }
    }
    Ok(session.visitor_name.clone())
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

/// What routing needs of a conversation: its assistant, its handoffs so far, and whether an
/// assistant has replied yet (before that, routing picks the assistant without a handoff).
#[derive(Debug, Clone, Default)]
pub struct RoutingState {
    pub assistant_id: Option<String>,
    pub handoffs: u32,
    pub started: bool,
    /// How many of the assistant's latest replies in a row could not answer (safety replies,
    /// and replies from before decisions were kept, end the run).
    pub unanswered: u32,
}

pub async fn routing_state(db: &Db, conversation_id: &str) -> sqlx::Result<RoutingState> {
    let row = sqlx::query(
        "SELECT c.assistant_id, c.handoffs, c.unanswered_replies, c.assistant_replied
           FROM conversations c WHERE c.id = $1",
    )
    .bind(conversation_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(RoutingState {
        assistant_id: row.try_get("assistant_id")?,
        handoffs: u32::try_from(row.try_get::<i64, _>("handoffs")?).unwrap_or(0),
        started: row.try_get::<i64, _>("assistant_replied")? != 0,
        unanswered: u32::try_from(row.try_get::<i64, _>("unanswered_replies")?).unwrap_or(0),
    })
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
