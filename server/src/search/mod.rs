//! The conversation list: filters, full-text search and keyset pagination, shared by the list
//! endpoint and the CSV export.
//!
//! Pages walk `(last_message_at, id)` downwards on the `conversations_tenant_activity` index, so
//! page 1000 costs what page 1 does. Message text is searched through FTS5 on SQLite and the
//! `to_tsvector('simple', body)` GIN index on PostgreSQL (every channel's messages: chat, SMS,
//! email, call transcripts); an email thread's subject and the client's name, email and phone by
//! case-insensitive substring. Every user value is a bind parameter.

mod filter;

use shared::dashboard::{ConversationPage, ConversationQuery};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

pub use filter::{Cursor, Filter, PageRequest, TextSearch, DEFAULT_LIMIT, MAX_LIMIT};

use crate::db::{Backend, Db};
use crate::{events, inbox};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A parameter the caller can fix: (field, message).
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
}

/// SQL with `$n` placeholders and the values to bind to them, in order.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Statement {
    pub fn new(sql: &str, args: Vec<Arg>) -> Self {
        Self {
            sql: sql.to_owned(),
            args,
        }
    }

    /// Adds a value and answers its placeholder.
    pub fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }

    pub async fn fetch_all(&self, pool: &AnyPool) -> sqlx::Result<Vec<AnyRow>> {
        let mut query = sqlx::query(&self.sql);
        for arg in &self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s.as_str()),
                Arg::Int(i) => query.bind(*i),
            };
        }
        query.fetch_all(pool).await
    }
}

/// Appends `WHERE` (tenant, filter, cursor), the keyset order and `LIMIT` to `select`, which
/// must select from `conversations c`.
pub fn conversations_statement(
    backend: Backend,
    mut select: Statement,
    tenant_id: &str,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Statement {
    let tenant = select.arg(Arg::Text(tenant_id.to_owned()));
    let mut conditions = vec![format!("c.tenant_id = {tenant}")];
    let mut equal = |column: &str, value: Option<&str>, s: &mut Statement| {
        if let Some(value) = value {
            let p = s.arg(Arg::Text(value.to_owned()));
            conditions.push(format!("{column} = {p}"));
        }
    };
    equal("c.channel", filter.channel.map(|c| c.as_str()), &mut select);
    equal("c.status", filter.status.map(|s| s.as_str()), &mut select);
    equal(
        "c.assistant_id",
        filter.assistant_id.as_deref(),
        &mut select,
    );
    equal("c.intent", filter.intent.as_deref(), &mut select);
    if let Some(from) = filter.from {
        let p = select.arg(Arg::Int(from));
        conditions.push(format!("c.last_message_at >= {p}"));
    }
    if let Some(to) = filter.to {
        let p = select.arg(Arg::Int(to));
        conditions.push(format!("c.last_message_at < {p}"));
    }
    if let Some(cursor) = after {
        let at = select.arg(Arg::Int(cursor.last_message_at));
        let id = select.arg(Arg::Text(cursor.id.clone()));
        conditions.push(format!("(c.last_message_at, c.id) < ({at}, {id})"));
    }
    if let Some(text) = &filter.text {
        let condition = text_condition(backend, &mut select, &tenant, text);
        conditions.push(condition);
    }
    let limit = select.arg(Arg::Int(limit));
    select.sql = format!(
        "{} WHERE {} ORDER BY c.last_message_at DESC, c.id DESC LIMIT {limit}",
        select.sql,
        conditions.join(" AND ")
    );
    select
}

/// The conversation has a message with every word (as a prefix), or its subject (an email
/// thread's) or its client's name, email or phone contains the query.
fn text_condition(
    backend: Backend,
    statement: &mut Statement,
    tenant: &str,
    text: &TextSearch,
) -> String {
    let messages = match backend {
        Backend::Sqlite => {
            let q = statement.arg(Arg::Text(text.fts5_query()));
            // CROSS JOIN keeps the FTS index the outer loop: with an index on `messages`
            // led by `tenant_id` (`messages_external`), the planner would otherwise walk every
            // message of the tenant and probe FTS for each (1.6 s instead of 29 ms at 100,000).
            format!(
                "SELECT m.conversation_id FROM messages_fts
                 CROSS JOIN messages m ON m.seq = messages_fts.rowid
                 WHERE messages_fts MATCH {q} AND m.tenant_id = {tenant}"
            )
        }
        Backend::Postgres => {
            let q = statement.arg(Arg::Text(text.tsquery()));
            format!(
                "SELECT m.conversation_id FROM messages m
                 WHERE to_tsvector('simple', m.body) @@ to_tsquery('simple', {q})
                   AND m.tenant_id = {tenant}"
            )
        }
    };
    let like = statement.arg(Arg::Text(text.like_pattern()));
    // Each alternative an `IN` over an indexed column: the planner unions them (a bare `LIKE`
    // on `c` beside them would make it test every row of the tenant against all three).
    format!(
        "(c.id IN ({messages})
          OR c.id IN (
            SELECT c2.id FROM conversations c2
             WHERE c2.tenant_id = {tenant} AND c2.channel = 'email'
               AND LOWER(COALESCE(c2.subject, '')) LIKE {like} ESCAPE '\\')
          OR c.client_id IN (
            SELECT cl2.id FROM clients cl2 WHERE cl2.tenant_id = {tenant}
              AND (LOWER(cl2.name) LIKE {like} ESCAPE '\\'
                   OR LOWER(COALESCE(cl2.email, '')) LIKE {like} ESCAPE '\\'
                   OR LOWER(COALESCE(cl2.phone, '')) LIKE {like} ESCAPE '\\')))"
    )
}

/// The cursor that continues after `row` (which selected `id` and `last_message_at`).
pub fn cursor_of(row: &AnyRow) -> sqlx::Result<Cursor> {
    Ok(Cursor {
        last_message_at: row.try_get("last_message_at")?,
        id: row.try_get("id")?,
    })
}

/// A page of the tenant's conversations matching `query`, newest activity first, as `user_id`
/// sees them (unread markers).
pub async fn list(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    query: &ConversationQuery,
) -> Result<ConversationPage, SearchError> {
    let request = PageRequest::parse(query)?;
    // Read first: a socket opened after it then misses nothing the page does not show.
    let last_event_seq = events::last_seq(db, tenant_id).await?;
    let limit = i64::from(request.limit);
    let select = Statement::new(inbox::SUMMARY_SELECT, vec![Arg::Text(user_id.to_owned())]);
    let statement = conversations_statement(
        db.backend,
        select,
        tenant_id,
        &request.filter,
        request.after.as_ref(),
        limit + 1,
    );
    let mut rows = statement.fetch_all(&db.pool).await?;
    let more = rows.len() > request.limit as usize;
    rows.truncate(request.limit as usize);
    let next_cursor = match rows.last() {
        Some(row) if more => Some(cursor_of(row)?.encode()),
        _ => None,
    };
    let conversations = rows
        .iter()
        .map(inbox::summary_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(ConversationPage {
        conversations,
        next_cursor,
        last_event_seq,
    })
}
