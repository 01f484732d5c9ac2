//! The CSV export of the filtered conversations, or of their messages, produced in keyset
//! batches: memory stays flat however long the history, and no read transaction outlives one
//! batch. Each batch is handed on as one chunk of CSV text.

use std::collections::HashMap;
use std::future::Future;

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::csv_out::{rfc3339_utc, write_record};
use crate::db::Db;
use crate::search::{self, Arg, Cursor, Filter, Statement};

/// Conversations read per query.
const CONVERSATION_BATCH: i64 = 500;
/// Messages read per query at most.
const MESSAGE_BATCH: i64 = 2000;

/// What one CSV row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportRows {
    Conversations,
    Messages,
}

impl ExportRows {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "conversations" => Some(Self::Conversations),
            "messages" => Some(Self::Messages),
            _ => None,
        }
    }

    /// The start of the download's file name.
    pub fn file_stem(self) -> &'static str {
        match self {
            Self::Conversations => "conversations",
            Self::Messages => "messages",
        }
    }

    fn header(self) -> &'static [&'static str] {
        match self {
            Self::Conversations => &[
                "id",
                "channel",
                "status",
                "client name",
                "email",
                "phone",
                "assistant",
                "intent",
                "created",
                "last activity",
                "message count",
                "first visitor message",
            ],
            Self::Messages => &[
                "conversation id",
                "message id",
                "time",
                "channel",
                "author",
                "author name",
                "client name",
                "client email",
                "body",
            ],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading the export: {0}")]
    Database(#[from] sqlx::Error),
    /// The receiver went away (the download was cancelled): stop quietly.
    #[error("the download was closed")]
    Closed,
}

const CONVERSATION_SELECT: &str = "SELECT c.id, c.channel, c.status,
        cl.name AS client_name, cl.email AS client_email, cl.phone AS client_phone,
        a.name AS assistant_name, c.intent, c.created_at, c.last_message_at, c.message_count,
        c.first_visitor_message
    FROM conversations c
    LEFT JOIN clients cl ON cl.id = c.client_id
    LEFT JOIN assistants a ON a.id = c.assistant_id";

/// Writes the header, then every matching row, calling `emit` with each chunk of CSV text.
/// `emit` answers `false` when nobody is reading any more.
pub async fn write_csv<F, Fut>(
    db: &Db,
    tenant_id: &str,
    filter: &Filter,
    rows: ExportRows,
    mut emit: F,
) -> Result<(), ExportError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut header = String::new();
    write_record(&mut header, rows.header());
    if !emit(header).await {
        return Err(ExportError::Closed);
    }
    let mut after: Option<Cursor> = None;
    loop {
        // The walk: every conversation is read once in order, whatever the words' frequency.
        let range = search::Range {
            after: after.as_ref(),
            down_to: None,
        };
        let statement = search::conversations_statement(
            db.backend,
            Statement::new(CONVERSATION_SELECT, Vec::new()),
            tenant_id,
            filter,
            range,
            search::Plan::Walk,
            CONVERSATION_BATCH,
        );
        let batch = statement.fetch_all(&db.pool).await?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = Some(search::cursor_of(last)?);
        match rows {
            ExportRows::Conversations => {
                let mut out = String::new();
                for row in &batch {
                    write_record(&mut out, &conversation_cells(row)?);
                }
                if !emit(out).await {
                    return Err(ExportError::Closed);
                }
            }
            ExportRows::Messages => write_messages(db, &batch, &mut emit).await?,
        }
        if (batch.len() as i64) < CONVERSATION_BATCH {
            return Ok(());
        }
    }
}

fn text(row: &AnyRow, column: &str) -> sqlx::Result<String> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .unwrap_or_default())
}

fn conversation_cells(row: &AnyRow) -> sqlx::Result<[String; 12]> {
    Ok([
        text(row, "id")?,
        text(row, "channel")?,
        text(row, "status")?,
        text(row, "client_name")?,
        text(row, "client_email")?,
        text(row, "client_phone")?,
        text(row, "assistant_name")?,
        text(row, "intent")?,
        rfc3339_utc(row.try_get("created_at")?),
        rfc3339_utc(row.try_get("last_message_at")?),
        row.try_get::<i64, _>("message_count")?.to_string(),
        text(row, "first_visitor_message")?,
    ])
}

/// A conversation of the batch: its id, client and how many messages it says it has.
struct Owner {
    id: String,
    client_name: String,
    client_email: String,
    message_count: i64,
}

/// The messages of a batch of conversations, in the batch's order, oldest first within each.
/// Conversations are grouped so one query reads about `MESSAGE_BATCH` messages; a conversation
/// longer than that is read in pages of its own.
async fn write_messages<F, Fut>(db: &Db, batch: &[AnyRow], emit: &mut F) -> Result<(), ExportError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let owners = batch
        .iter()
        .map(|row| {
            Ok(Owner {
                id: text(row, "id")?,
                client_name: text(row, "client_name")?,
                client_email: text(row, "client_email")?,
                message_count: row.try_get("message_count")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
    let mut start = 0;
    while start < owners.len() {
        let mut end = start + 1;
        let mut total = owners[start].message_count;
        while end < owners.len() && total + owners[end].message_count <= MESSAGE_BATCH {
            total += owners[end].message_count;
            end += 1;
        }
        let group = &owners[start..end];
        if group.len() == 1 {
            write_long_conversation(db, &group[0], emit).await?;
        } else {
            write_group(db, group, emit).await?;
        }
        start = end;
    }
    Ok(())
}

const MESSAGE_COLUMNS: &str =
    "m.seq, m.id, m.conversation_id, m.created_at, m.channel, m.author, m.author_name, m.body";

fn message_cells(row: &AnyRow, owner: &Owner) -> sqlx::Result<[String; 9]> {
    Ok([
        owner.id.clone(),
        text(row, "id")?,
        rfc3339_utc(row.try_get("created_at")?),
        text(row, "channel")?,
        text(row, "author")?,
        text(row, "author_name")?,
        owner.client_name.clone(),
        owner.client_email.clone(),
        text(row, "body")?,
    ])
}

async fn write_group<F, Fut>(db: &Db, group: &[Owner], emit: &mut F) -> Result<(), ExportError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut statement = Statement::default();
    let placeholders: Vec<String> = group
        .iter()
        .map(|o| statement.arg(Arg::Text(o.id.clone())))
        .collect();
    statement.sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id IN ({})
         ORDER BY m.seq",
        placeholders.join(", ")
    );
    let rows = statement.fetch_all(&db.pool).await?;
    let mut by_conversation: HashMap<String, Vec<&AnyRow>> = HashMap::new();
    for row in &rows {
        by_conversation
            .entry(row.try_get("conversation_id")?)
            .or_default()
            .push(row);
    }
    let mut out = String::new();
    for owner in group {
        for row in by_conversation.get(&owner.id).into_iter().flatten() {
            write_record(&mut out, &message_cells(row, owner)?);
        }
    }
    if !emit(out).await {
        return Err(ExportError::Closed);
    }
    Ok(())
}

async fn write_long_conversation<F, Fut>(
    db: &Db,
    owner: &Owner,
    emit: &mut F,
) -> Result<(), ExportError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut after_seq = 0_i64;
    loop {
        let statement = Statement::new(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m
                 WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
            ),
            vec![
                Arg::Text(owner.id.clone()),
                Arg::Int(after_seq),
                Arg::Int(MESSAGE_BATCH),
            ],
        );
        let rows = statement.fetch_all(&db.pool).await?;
        let mut out = String::new();
        for row in &rows {
            write_record(&mut out, &message_cells(row, owner)?);
        }
        if !out.is_empty() && !emit(out).await {
            return Err(ExportError::Closed);
        }
        match rows.last() {
            Some(last) if (rows.len() as i64) == MESSAGE_BATCH => {
                after_seq = last.try_get("seq")?
            }
            _ => return Ok(()),
        }
    }
}
