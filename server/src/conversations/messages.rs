//! Messages of a conversation: the visitor's (stored once per client message id), the replies,
//! and the list columns and event each one brings.

use std::sync::LazyLock;

use shared::api::{Author, Channel, ConversationStatus, MessageView};
use shared::dashboard::{DeliveryStatus, MessageDelivery, TimelineMessage};
use shared::decision::Decision;

use super::{ChatContext, Conversation, RoutingState, Session};
use crate::db::direct::{now_or_never, Arg, Cols, FromCols, Tx};
use crate::db::{decode_error, new_message_id, now_ms, Backend, Db, WriteTx};
use crate::events::Entry;
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

fn message_from_row(row: &impl Cols) -> sqlx::Result<StoredMessage> {
    let author: String = row.col("author")?;
    Ok(StoredMessage {
        seq: row.col("seq")?,
        id: row.col("id")?,
        conversation_id: row.col("conversation_id")?,
        author: Author::parse(&author).ok_or_else(|| decode_error("author", &author))?,
        author_name: row.col("author_name")?,
        body: row.col("body")?,
        client_message_id: row.col("client_message_id")?,
        model: row.col("model")?,
        tokens: row.col("tokens")?,
        created_at: row.col("created_at")?,
    })
}

impl FromCols for StoredMessage {
    fn from_cols(row: &impl Cols) -> sqlx::Result<Self> {
        message_from_row(row)
    }
}

/// How stale a session's `last_seen_at` may get before a message writes it again.
pub const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;

/// Stores a visitor's message once per client message id; a retry returns the stored one.
/// With it, when this call stored it, the conversation's message count with it. `last_seen_at`, the session's as read before: the
/// session is marked seen only when that is older than [`LAST_SEEN_GRANULARITY_MS`].
pub async fn insert_visitor_message(
    db: &Db,
    tenant_id: &str,
    conversation_id: &str,
    session_id: &str,
    body: &str,
    client_message_id: &str,
    last_seen_at: i64,
) -> sqlx::Result<(StoredMessage, Option<i64>)> {
    let message = VisitorMessage {
        tenant_id: tenant_id.to_owned(),
        conversation_id: conversation_id.to_owned(),
        session_id: session_id.to_owned(),
        body: body.to_owned(),
        client_message_id: client_message_id.to_owned(),
        last_seen_at,
    };
    if db.backend == Backend::Sqlite {
        return db
            .write_direct(move |tx| {
                now_or_never(store_visitor_message(&mut Tx::Direct(tx), &message))
            })
            .await
            .unwrap_or_else(no_direct_writer);
    }
    db.write(move |db| async move {
        let mut tx = db.begin_write().await?;
        let stored = store_visitor_message(&mut Tx::Sqlx(&mut tx), &message).await?;
        tx.commit().await?;
        Ok(stored)
    })
    .await
}

/// How a chat message arrived.
pub enum Arrival<R> {
    /// The common path, a known visitor's new message in the session's open conversation:
    /// stored.
    Stored(Box<Received>),
    /// Nothing written: a retry, a visitor who has not given their details yet, or a session
    /// without an open conversation. The caller goes on from what was read.
    Unstored(Box<ChatContext>),
    /// Nothing written: `admit` said no.
    Refused(R),
}

/// A chat message stored on arrival, with what was read before storing it.
pub struct Received {
    pub session: Session,
    pub conversation: Conversation,
    /// `None` for a conversation just opened: the pipeline reads it.
    pub routing: Option<RoutingState>,
    pub message: StoredMessage,
    /// The conversation's message count with it; `None` when a racing retry stored it first.
    pub count: Option<i64>,
}

/// Reads the session's [`ChatContext`] and, on the common path (see [`Arrival::Stored`]),
/// asks `admit` (the rate limits) and stores the message. On SQLite that is one job of the
/// writer: its page cache holds the pages it just wrote, where a read connection starts cold
/// after every commit. There, a known visitor's first message also opens the conversation,
/// with assistant `open_with`, in the same job (`None`: the caller opens it, e.g. after checking
/// a capped plan). `None`: no session of this tenant has that id.
pub async fn receive<R: Send + 'static>(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
    body: &str,
    client_message_id: &str,
    open_with: Option<String>,
    admit: impl FnOnce(&Session) -> Result<(), R> + Send + 'static,
) -> sqlx::Result<Option<Arrival<R>>> {
    if db.backend == Backend::Sqlite {
        let (tenant_id, session_id) = (tenant_id.to_owned(), session_id.to_owned());
        let (body, client_message_id) = (body.to_owned(), client_message_id.to_owned());
        return db
            .write_direct(move |tx| {
                let mut tx = Tx::Direct(tx);
                now_or_never(async {
                    let context = super::chat_context_in(
                        &mut tx,
                        &tenant_id,
                        &session_id,
                        &client_message_id,
                    )
                    .await?;
                    let Some(context) = context else {
                        return Ok(None);
                    };
                    let mut admitted = match admit_common(context, admit, open_with.is_some()) {
                        Ok(admitted) => admitted,
                        Err(arrival) => return Ok(Some(arrival)),
                    };
                    if admitted.open.is_none() {
                        if let Some(assistant_id) = open_with {
                            let opened = super::open_in(
                                &mut tx,
                                &tenant_id,
                                &admitted.session,
                                &assistant_id,
                            )
                            .await?;
                            // `None` cannot happen here: this job read "none open" on the one
                            // writer. Were it to, the caller finds the open one.
                            admitted.open = opened.map(|conversation| {
                                let routing = RoutingState {
                                    assistant_id: Some(assistant_id),
                                    handoffs: 0,
                                    started: false,
                                    unanswered: 0,
                                };
                                (conversation, routing)
                            });
                        }
                    }
                    let open = match admitted.into_open() {
                        Ok(open) => open,
                        Err(arrival) => return Ok(Some(arrival)),
                    };
                    let message = VisitorMessage {
                        tenant_id,
                        conversation_id: open.conversation.id.clone(),
                        session_id,
                        body,
                        client_message_id,
                        last_seen_at: open.last_seen_at,
                    };
                    let (message, count) = store_visitor_message(&mut tx, &message).await?;
                    Ok(Some(open.stored(message, count)))
                })
            })
            .await
            .unwrap_or_else(no_direct_writer);
    }
    let Some(context) = super::chat_context(db, tenant_id, session_id, client_message_id).await?
    else {
        return Ok(None);
    };
    let admitted = match admit_common(context, admit, false) {
        Ok(admitted) => admitted,
        Err(arrival) => return Ok(Some(arrival)),
    };
    let open = match admitted.into_open() {
        Ok(open) => open,
        Err(arrival) => return Ok(Some(arrival)),
    };
    let (message, count) = insert_visitor_message(
        db,
        tenant_id,
        &open.conversation.id,
        session_id,
        body,
        client_message_id,
        open.last_seen_at,
    )
    .await?;
    Ok(Some(open.stored(message, count)))
}

/// A message on the common path, admitted: what it is stored with.
struct Admitted {
    session: Session,
    /// `None` until the conversation is opened (only when the caller allowed it).
    open: Option<(Conversation, RoutingState)>,
    /// The session's, as read (see [`insert_visitor_message`]).
    last_seen_at: i64,
}

impl Admitted {
    /// The open conversation to store in; the context back, unstored, when none is open.
    fn into_open<R>(self) -> Result<Open, Arrival<R>> {
        match self.open {
            Some((conversation, routing)) => Ok(Open {
                session: self.session,
                conversation,
                routing,
                last_seen_at: self.last_seen_at,
            }),
            None => Err(Arrival::Unstored(Box::new(ChatContext {
                session: self.session,
                open: None,
                retry_of: None,
                last_seen_at: self.last_seen_at,
            }))),
        }
    }
}

/// An admitted message's open conversation.
struct Open {
    session: Session,
    conversation: Conversation,
    routing: RoutingState,
    last_seen_at: i64,
}

impl Open {
    fn stored<R>(self, message: StoredMessage, count: Option<i64>) -> Arrival<R> {
        Arrival::Stored(Box::new(Received {
            session: self.session,
            conversation: self.conversation,
            routing: Some(self.routing),
            message,
            count,
        }))
    }
}

/// The common path (a known visitor's new message in the session's open conversation, or its
/// first when `may_open`) asks `admit`; any other path is answered as it is, unstored.
fn admit_common<R>(
    context: ChatContext,
    admit: impl FnOnce(&Session) -> Result<(), R>,
    may_open: bool,
) -> Result<Admitted, Arrival<R>> {
    match context {
        ChatContext {
            session,
            open,
            retry_of: None,
            last_seen_at,
        } if session.client_id.is_some() && (open.is_some() || may_open) => {
            admit(&session).map_err(Arrival::Refused)?;
            Ok(Admitted {
                session,
                open,
                last_seen_at,
            })
        }
        other => Err(Arrival::Unstored(Box::new(other))),
    }
}

/// A visitor's message to store, owned: it is written on the writer's thread.
struct VisitorMessage {
    tenant_id: String,
    conversation_id: String,
    session_id: String,
    body: String,
    client_message_id: String,
    /// The session's, as read before.
    last_seen_at: i64,
}

async fn store_visitor_message(
    tx: &mut Tx<'_, '_>,
    message: &VisitorMessage,
) -> sqlx::Result<(StoredMessage, Option<i64>)> {
    let VisitorMessage {
        tenant_id,
        conversation_id,
        session_id,
        body,
        client_message_id,
        last_seen_at,
    } = message;
    let now = now_ms();
    let id = new_message_id();
    let seq = tx
        .insert_numbered(
            "INSERT INTO messages (id, tenant_id, conversation_id, session_id, author, channel, body, client_message_id, created_at)
             VALUES ($1, $2, $3, $4, 'visitor', $5, $6, $7, $8)
             ON CONFLICT DO NOTHING",
            "seq",
            &[
                Arg::Text(&id),
                Arg::Text(tenant_id),
                Arg::Text(conversation_id),
                Arg::Text(session_id),
                Arg::Text(Channel::Web.as_str()),
                Arg::Text(body),
                Arg::Text(client_message_id),
                Arg::Int(now),
            ],
        )
        .await?;
    let Some(seq) = seq else {
        // A racing retry stored it first.
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 AND client_message_id = $2"
        );
        let stored = tx
            .fetch_optional::<StoredMessage>(
                &sql,
                &[Arg::Text(session_id), Arg::Text(client_message_id)],
            )
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        return Ok((stored, None));
    };
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
        intent: None,
    };
    let count = message_added_in(tx, &added).await?.count;
    if *last_seen_at <= now - LAST_SEEN_GRANULARITY_MS {
        tx.execute(
            "UPDATE visitor_sessions SET last_seen_at = $1 WHERE id = $2",
            &[Arg::Int(now), Arg::Text(session_id)],
        )
        .await?;
    }
    // Everything is known: nothing to read back.
    Ok((
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
        Some(count),
    ))
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
    /// The customer's latest confident intent, set in the same `UPDATE` as the message (see
    /// [`ReplyEffects::intent`]).
    pub intent: Option<&'a str>,
}

impl Added<'_> {
    /// An assistant's reply that could not answer (and was not a safety intervention): one
    /// more in the conversation's run of them ([`RoutingState::unanswered`]); any other reply
    /// of the assistant ends the run.
    fn could_not_answer(&self) -> bool {
        self.author == Author::Assistant
            && self
                .decision
                .is_some_and(|d| !d.reply.answered && d.safety.is_empty())
    }

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

/// The conversation's `UPDATE` for a new message, per backend: built once, not per message.
static MESSAGE_ADDED_SQLITE: LazyLock<String> =
    LazyLock::new(|| message_added_sql(Backend::Sqlite));
static MESSAGE_ADDED_POSTGRES: LazyLock<String> =
    LazyLock::new(|| message_added_sql(Backend::Postgres));
/// On SQLite's writer thread: with the document merged in Rust.
static MESSAGE_ADDED_DIRECT: LazyLock<String> =
    LazyLock::new(|| message_added_sql_with(document::SQLITE_SET_MERGED));

fn message_added_sql(backend: Backend) -> String {
    // The conversation's search document grows in the same row version.
    message_added_sql_with(&document::update_set(backend))
}

fn message_added_sql_with(set_document: &str) -> String {
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
            intent = CASE WHEN $9 IS NOT NULL AND ($9 <> '{GENERAL_INTENT}' OR intent IS NULL)
                          THEN $9 ELSE intent END,
            unanswered_replies = CASE WHEN $2 <> 'assistant' THEN unanswered_replies
                                      WHEN $10 = 1 THEN unanswered_replies + 1
                                      ELSE 0 END,
            assistant_replied = CASE WHEN $2 = 'assistant' THEN 1 ELSE assistant_replied END,
            {set_document}
         WHERE id = $7"
    )
}

/// Brings the conversation's list columns up to date with a message inserted in this
/// transaction, then records the `message_created` event (by reference: see
/// [`crate::events::Entry::Message`]); answers the message as the timeline shows it, and the
/// conversation's status and count.
pub async fn message_added(tx: &mut WriteTx, added: &Added<'_>) -> sqlx::Result<Appended> {
    message_added_in(&mut Tx::Sqlx(tx), added).await
}

/// A message as [`message_added`] left its conversation.
pub struct Appended {
    /// The message as the timeline shows it.
    pub message: TimelineMessage,
    pub status: ConversationStatus,
    /// The conversation's `message_count` with this message (see [`crate::ai::history`]).
    pub count: i64,
}

/// What [`message_added_in`] reads of the conversation.
struct Standing {
    status: ConversationStatus,
    count: i64,
    /// The search document (read before the update, on SQLite's writer only).
    terms: Option<String>,
}

impl FromCols for Standing {
    fn from_cols(row: &impl Cols) -> sqlx::Result<Self> {
        let status: String = row.col("status")?;
        Ok(Self {
            status: ConversationStatus::parse(&status)
                .ok_or_else(|| decode_error("status", &status))?,
            count: row.col("message_count")?,
            terms: row.col("search_terms")?,
        })
    }
}

/// [`message_added`] in a transaction of either kind.
pub async fn message_added_in(tx: &mut Tx<'_, '_>, added: &Added<'_>) -> sqlx::Result<Appended> {
    let is_visitor = i64::from(added.author == Author::Visitor);
    let preview = inbox::preview(added.body);
    let conversation = Arg::Text(added.conversation_id);
    // `$8`: what the document update needs (see `document::update_set`).
    enum Document {
        Words(String),
        Merged(Option<String>),
        MaxLexemes,
    }
    // On SQLite's writer (the only writer) the row is read before the update, for the document
    // to merge; this message adds one to the count and leaves the status as it is.
    let before = match (tx.backend(), &*tx) {
        (Backend::Sqlite, Tx::Direct(_)) => Some(
            tx.fetch_optional::<Standing>(
                "SELECT status, message_count, search_terms FROM conversations WHERE id = $1",
                &[conversation],
            )
            .await?
            .ok_or(sqlx::Error::RowNotFound)?,
        ),
        _ => None,
    };
    let (sql, document) = match (tx.backend(), &before) {
        (Backend::Sqlite, Some(before)) => {
            let merged = before
                .terms
                .as_deref()
                .and_then(|terms| document::merged(terms, added.body));
            (&*MESSAGE_ADDED_DIRECT, Document::Merged(merged))
        }
        (Backend::Sqlite, None) => (
            &*MESSAGE_ADDED_SQLITE,
            Document::Words(document::sqlite_words(added.body)),
        ),
        (Backend::Postgres, _) => (&*MESSAGE_ADDED_POSTGRES, Document::MaxLexemes),
    };
    tx.execute(
        sql,
        &[
            Arg::Text(preview),
            Arg::Text(added.author.as_str()),
            Arg::Int(added.at),
            Arg::Int(is_visitor),
            Arg::Text(added.body),
            Arg::Int(added.seq),
            conversation,
            match &document {
                Document::Words(words) => Arg::Text(words),
                Document::Merged(merged) => merged.as_ref().into(),
                Document::MaxLexemes => Arg::Int(document::MAX_LEXEMES),
            },
            added.intent.into(),
            Arg::Int(i64::from(added.could_not_answer())),
        ],
    )
    .await?;
    let (status, count) = match before {
        Some(before) => (before.status, before.count + 1),
        // Read after the update: on PostgreSQL the row is now this transaction's.
        None => {
            let after = tx
                .fetch_optional::<Standing>(
                    "SELECT status, message_count, NULL AS search_terms
                       FROM conversations WHERE id = $1",
                    &[conversation],
                )
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            (after.status, after.count)
        }
    };
    let entry = Entry::Message {
        conversation_id: added.conversation_id,
        seq: added.seq,
    };
    tx.record_event(added.tenant_id, added.session_id, entry)
        .await?;
    Ok(Appended {
        message: added.timeline(),
        status,
        count,
    })
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
/// transaction; answers it with the conversation's status after it, and its message count with
/// the reply when this call stored it. If a racing retry stored a reply first, that one is
/// returned.
pub async fn insert_reply(
    db: &Db,
    reply: NewReply,
    effects: &ReplyEffects,
) -> sqlx::Result<(StoredMessage, ConversationStatus, Option<i64>)> {
    let effects = effects.clone();
    // A reply to send out is queued in the outbox, which is written through sqlx.
    let stored = if db.backend == Backend::Sqlite && reply.delivery.is_none() {
        db.write_direct(move |tx| now_or_never(store_reply(&mut Tx::Direct(tx), &reply, &effects)))
            .await
            .unwrap_or_else(no_direct_writer)
    } else {
        db.write(move |db| async move {
            let mut tx = db.begin_write().await?;
            let stored = store_reply(&mut Tx::Sqlx(&mut tx), &reply, &effects).await?;
            match stored {
                Stored::New(..) => tx.commit().await?,
                Stored::Earlier(_) => tx.rollback().await?,
            }
            Ok(stored)
        })
        .await
    }?;
    match stored {
        Stored::New(message, status, count) => Ok((message, status, Some(count))),
        // A racing retry stored a reply first: that one, with the conversation as it is now.
        Stored::Earlier(reply_to) => {
            let stored = find_reply(db, &reply_to)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            let conversation = super::find_conversation(db, &stored.conversation_id).await?;
            Ok((stored, conversation.status, None))
        }
    }
}

/// SQLite without its writer: cannot happen once connected.
pub(super) fn no_direct_writer<T>() -> sqlx::Result<T> {
    Err(sqlx::Error::Protocol(
        "the SQLite store has no writer".to_owned(),
    ))
}

/// What [`store_reply`] did.
enum Stored {
    /// With the conversation's status and message count after it.
    New(StoredMessage, ConversationStatus, i64),
    /// The message already had a reply (its id): nothing was written.
    Earlier(String),
}

async fn store_reply(
    tx: &mut Tx<'_, '_>,
    reply: &NewReply,
    effects: &ReplyEffects,
) -> sqlx::Result<Stored> {
    let now = now_ms();
    let id = reply.id.clone().unwrap_or_else(new_message_id);
    let decision = reply
        .decision
        .as_ref()
        .and_then(|d| serde_json::to_string(d).ok());
    let inserted = tx
        .insert_numbered(
            "INSERT INTO messages (id, tenant_id, conversation_id, author, author_name, channel, body, reply_to, model, tokens, created_at, decision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (reply_to) WHERE reply_to IS NOT NULL DO NOTHING",
            "seq",
            &[
                Arg::Text(&id),
                Arg::Text(&reply.tenant_id),
                Arg::Text(&reply.conversation_id),
                Arg::Text(reply.author.as_str()),
                reply.author_name.as_ref().into(),
                Arg::Text(reply.channel.as_str()),
                Arg::Text(&reply.body),
                Arg::Text(&reply.reply_to.id),
                Arg::Text(&reply.model),
                reply.tokens.map(i64::from).into(),
                Arg::Int(now),
                decision.as_ref().into(),
            ],
        )
        .await?;
    let Some(seq) = inserted else {
        return Ok(Stored::Earlier(reply.reply_to.id.clone()));
    };
    let conversation = Arg::Text(&reply.conversation_id);
    if effects.hand_to_human {
        tx.execute(
            "UPDATE conversations SET status = 'waiting_human' WHERE id = $1 AND status = 'open'",
            &[conversation],
        )
        .await?;
    }
    if let Some((assistant_id, handoff)) = &effects.assistant {
        tx.execute(
            "UPDATE conversations SET assistant_id = $1, handoffs = handoffs + $2 WHERE id = $3",
            &[
                Arg::Text(assistant_id),
                Arg::Int(i64::from(*handoff)),
                conversation,
            ],
        )
        .await?;
    }
    if effects.escalate {
        tx.execute(
            "UPDATE conversations SET status = 'escalated'
              WHERE id = $1 AND status IN ('open', 'waiting_human')",
            &[conversation],
        )
        .await?;
    }
    if effects.resolve {
        tx.execute(
            "UPDATE conversations SET status = 'resolved' WHERE id = $1",
            &[conversation],
        )
        .await?;
    }
    if let Some(reason) = &effects.flag_reason {
        tx.execute(
            "UPDATE conversations SET flagged = 1, flag_reason = $1 WHERE id = $2",
            &[Arg::Text(reason), conversation],
        )
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
        intent: effects.intent.as_deref(),
    };
    let appended = message_added_in(tx, &added).await?;
    if let Some(delivery) = &reply.delivery {
        let Tx::Sqlx(tx) = tx else {
            return Err(sqlx::Error::Protocol(
                "a reply to send out is stored through sqlx".to_owned(),
            ));
        };
        let parts = crate::channels::parts(delivery.channel, &reply.body);
        crate::channels::outbox::enqueue(tx, &reply.tenant_id, &id, delivery, &parts).await?;
    }
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
    Ok(Stored::New(stored, appended.status, appended.count))
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
    let mut messages: Vec<StoredMessage> = db
        .fetch_all(
            &sql,
            &[
                Arg::Text(conversation_id),
                Arg::Int(before_seq.unwrap_or(i64::MAX)),
                Arg::Int(limit),
            ],
        )
        .await?;
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
