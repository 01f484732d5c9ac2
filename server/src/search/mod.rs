//! The conversation list: filters, full-text search and keyset pagination, shared by the list
//! endpoint and the CSV export.
//!
//! Pages walk `(last_message_at, id)` downwards on the `conversations_tenant_activity` index, so
//! page 1000 costs what page 1 does. Message text is searched through FTS5 on SQLite and the
//! `to_tsvector('simple', body)` GIN index on PostgreSQL; the client's name, email and phone by
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
    select: Statement,
    tenant_id: &str,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Statement {
    let range = Range {
        after,
        down_to: None,
    };
    bounded_statement(
        backend,
        select,
        tenant_id,
        filter,
        &range,
        TextPlan::MatchSet,
        limit,
    )
}

/// How the text condition is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPlan {
    /// Collect every matching message first, then walk the conversations: cheap when the words
    /// are rare, costly when they are in most messages.
    MatchSet,
    /// Check each conversation's own messages as the walk reaches it: cheap when the words are
    /// common (the page fills after a few conversations), costly when they are rare.
    PerConversation,
}

/// Which part of the keyset order a statement walks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range<'a> {
    /// Strictly after this conversation.
    pub after: Option<&'a Cursor>,
    /// Down to this conversation, included.
    pub down_to: Option<&'a Cursor>,
}

fn bounded_statement(
    backend: Backend,
    mut select: Statement,
    tenant_id: &str,
    filter: &Filter,
    range: &Range<'_>,
    plan: TextPlan,
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
    if let Some(cursor) = range.after {
        let at = select.arg(Arg::Int(cursor.last_message_at));
        let id = select.arg(Arg::Text(cursor.id.clone()));
        conditions.push(format!("(c.last_message_at, c.id) < ({at}, {id})"));
    }
    if let Some(cursor) = range.down_to {
        let at = select.arg(Arg::Int(cursor.last_message_at));
        let id = select.arg(Arg::Text(cursor.id.clone()));
        conditions.push(format!("(c.last_message_at, c.id) >= ({at}, {id})"));
    }
    if let Some(text) = &filter.text {
        let condition = text_condition(backend, &mut select, &tenant, text, plan);
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

/// The conversation has a message with every word (as a prefix), or its client's name, email
/// or phone contains the query.
fn text_condition(
    backend: Backend,
    statement: &mut Statement,
    tenant: &str,
    text: &TextSearch,
    plan: TextPlan,
) -> String {
    let matches = match backend {
        Backend::Sqlite => {
            let q = statement.arg(Arg::Text(text.fts5_query()));
            format!("messages_fts MATCH {q}")
        }
        Backend::Postgres => {
            let q = statement.arg(Arg::Text(text.tsquery()));
            format!("to_tsvector('simple', m.body) @@ to_tsquery('simple', {q})")
        }
    };
    let from_messages = match backend {
        Backend::Sqlite => "messages_fts JOIN messages m ON m.seq = messages_fts.rowid",
        Backend::Postgres => "messages m",
    };
    let like = statement.arg(Arg::Text(text.like_pattern()));
    let client_matches = format!(
        "(LOWER(cl2.name) LIKE {like} ESCAPE '\\'
          OR LOWER(COALESCE(cl2.email, '')) LIKE {like} ESCAPE '\\'
          OR LOWER(COALESCE(cl2.phone, '')) LIKE {like} ESCAPE '\\')"
    );
    match plan {
        TextPlan::MatchSet => format!(
            "(c.id IN (SELECT m.conversation_id FROM {from_messages}
                       WHERE {matches} AND m.tenant_id = {tenant})
              OR c.client_id IN (SELECT cl2.id FROM clients cl2
                                 WHERE cl2.tenant_id = {tenant} AND {client_matches}))"
        ),
        TextPlan::PerConversation => format!(
            "(EXISTS (SELECT 1 FROM {from_messages}
                      WHERE m.conversation_id = c.id AND {matches})
              OR EXISTS (SELECT 1 FROM clients cl2
                         WHERE cl2.id = c.client_id AND {client_matches}))"
        ),
    }
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
    let mut rows = page_rows(db, tenant_id, user_id, &request, limit + 1).await?;
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

/// Conversations a text search walks one by one before it collects every match instead.
const WALK: i64 = 1000;

/// Up to `want` summary rows of the page, in order.
///
/// With a text search, the next [`WALK`] conversations in order are checked one by one first:
/// when the words are common, the page fills within them and the costly collection of every
/// matching message (most of the history) never runs. Only when the walk does not fill the page
/// are the rest found by collecting the matches, which is then cheap: the words are rare.
async fn page_rows(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    request: &PageRequest,
    want: i64,
) -> sqlx::Result<Vec<AnyRow>> {
    let select = || Statement::new(inbox::SUMMARY_SELECT, vec![Arg::Text(user_id.to_owned())]);
    let after = request.after.as_ref();
    let whole = Range {
        after,
        down_to: None,
    };
    if request.filter.text.is_none() {
        return bounded_statement(
            db.backend,
            select(),
            tenant_id,
            &request.filter,
            &whole,
            TextPlan::MatchSet,
            want,
        )
        .fetch_all(&db.pool)
        .await;
    }
    // The last conversation the walk reaches: the WALK-th in order under the other filters.
    let without_text = Filter {
        text: None,
        ..request.filter.clone()
    };
    let walk = bounded_statement(
        db.backend,
        Statement::new(
            "SELECT c.id, c.last_message_at FROM conversations c",
            Vec::new(),
        ),
        tenant_id,
        &without_text,
        &whole,
        TextPlan::MatchSet,
        WALK,
    )
    .fetch_all(&db.pool)
    .await?;
    let boundary = match walk.last() {
        Some(last) if walk.len() as i64 == WALK => Some(cursor_of(last)?),
        // Fewer than WALK conversations are left: walking them all is the whole answer.
        _ => None,
    };
    let walked = Range {
        after,
        down_to: boundary.as_ref(),
    };
    let mut rows = bounded_statement(
        db.backend,
        select(),
        tenant_id,
        &request.filter,
        &walked,
        TextPlan::PerConversation,
        want,
    )
    .fetch_all(&db.pool)
    .await?;
    let Some(boundary) = boundary else {
        return Ok(rows);
    };
    let missing = want - rows.len() as i64;
    if missing > 0 {
        let beyond = Range {
            after: Some(&boundary),
            down_to: None,
        };
        rows.extend(
            bounded_statement(
                db.backend,
                select(),
                tenant_id,
                &request.filter,
                &beyond,
                TextPlan::MatchSet,
                missing,
            )
            .fetch_all(&db.pool)
            .await?,
        );
    }
    Ok(rows)
}
