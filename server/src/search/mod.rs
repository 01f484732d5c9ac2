//! The conversation list: filters, full-text search and keyset pagination, shared by the list
//! endpoint and the CSV export.
//!
//! Pages walk `(last_message_at, id)` downwards on the `conversations_tenant_activity` index, so
//! page 1000 costs what page 1 does. Message text is searched through FTS5 on SQLite and the
//! `to_tsvector('simple', body)` GIN index on PostgreSQL (every channel's messages: chat, SMS,
//! email, call transcripts); an email thread's subject and the client's name, email and phone by
//! case-insensitive substring. Every user value is a bind parameter.
//!
//! A text search walks the newest conversations first, checking each one's search document
//! ([`document`]), and turns to the indexes for the rest when that finds less than a page. On
//! PostgreSQL a word its statistics call rare ([`rarity`]) goes to the indexes at once.

pub mod document;
mod filter;
pub mod rarity;

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

/// How a text search finds its conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Newest activity first, checking each conversation's own search document, client and
    /// subject: stops after a page when matches are common. The export reads everything this
    /// way.
    Walk,
    /// From the indexes (the message index for one word, then the document for all; the
    /// client and subject by substring): costs what the matches do, for rare words.
    Lookup,
}

/// Which conversations of the walk order a statement covers: strictly after `after`, down to
/// and including `down_to`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range<'a> {
    pub after: Option<&'a Cursor>,
    pub down_to: Option<&'a Cursor>,
}

/// Appends `WHERE` (tenant, filter, range), the keyset order and `LIMIT` to `select`, which
/// must select from `conversations c`.
pub fn conversations_statement(
    backend: Backend,
    mut select: Statement,
    tenant_id: &str,
    filter: &Filter,
    range: Range<'_>,
    plan: Plan,
    limit: i64,
) -> Statement {
    let conditions = conditions(backend, &mut select, tenant_id, filter, range, plan);
    let limit = select.arg(Arg::Int(limit));
    select.sql = format!(
        "{} WHERE {} ORDER BY c.last_message_at DESC, c.id DESC LIMIT {limit}",
        select.sql,
        conditions.join(" AND ")
    );
    select
}

fn conditions(
    backend: Backend,
    select: &mut Statement,
    tenant_id: &str,
    filter: &Filter,
    range: Range<'_>,
    plan: Plan,
) -> Vec<String> {
    let tenant = select.arg(Arg::Text(tenant_id.to_owned()));
    // A lookup is driven by its few matches' ids: `+` keeps SQLite from walking the tenant's
    // activity index (or an assistant's conversations) instead; PostgreSQL weighs the ways
    // with its statistics.
    let lookup = plan == Plan::Lookup && filter.text.is_some() && backend == Backend::Sqlite;
    let unary = if lookup { "+" } else { "" };
    let mut conditions = vec![format!("{unary}c.tenant_id = {tenant}")];
    let mut equal = |column: &str, value: Option<&str>, s: &mut Statement| {
        if let Some(value) = value {
            let p = s.arg(Arg::Text(value.to_owned()));
            conditions.push(format!("{unary}{column} = {p}"));
        }
    };
    equal("c.channel", filter.channel.map(|c| c.as_str()), select);
    equal("c.status", filter.status.map(|s| s.as_str()), select);
    equal("c.assistant_id", filter.assistant_id.as_deref(), select);
    equal("c.intent", filter.intent.as_deref(), select);
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
        let condition = match plan {
            Plan::Walk => walk_condition(backend, select, &tenant, text),
            Plan::Lookup => lookup_condition(backend, select, &tenant, text),
        };
        conditions.push(condition);
    }
    conditions
}

/// The conversation's document has every word (as a prefix), wherever in the conversation.
fn document_condition(
    backend: Backend,
    statement: &mut Statement,
    text: &TextSearch,
    alias: &str,
) -> String {
    match backend {
        Backend::Sqlite if text.folded.is_empty() => "0 = 1".to_owned(),
        Backend::Sqlite => {
            let checks: Vec<String> = text
                .folded
                .iter()
                .map(|word| {
                    let p = statement.arg(Arg::Text(format!(" {word}")));
                    format!("instr({alias}.search_terms, {p}) > 0")
                })
                .collect();
            format!("({})", checks.join(" AND "))
        }
        Backend::Postgres => {
            let q = statement.arg(Arg::Text(text.tsquery()));
            format!("{alias}.search_doc @@ to_tsquery('simple', {q})")
        }
    }
}

/// The text condition on the row itself: its document, its subject (an email thread's) or its
/// client's name, email or phone.
fn walk_condition(
    backend: Backend,
    statement: &mut Statement,
    tenant: &str,
    text: &TextSearch,
) -> String {
    let document = document_condition(backend, statement, text, "c");
    let like = statement.arg(Arg::Text(text.like_pattern()));
    let client = match client_trigram_ids(backend, statement, tenant, text) {
        // The few matching clients, found once, rather than a look at each row's client.
        Some(ids) => format!("c.client_id IN ({ids})"),
        // PostgreSQL's trigram indexes (`pg_trgm`) find the clients for three characters or more.
        None if backend == Backend::Postgres && text.client_substring.chars().count() >= 3 => {
            format!(
                "c.client_id IN (SELECT cl2.id FROM clients cl2 WHERE cl2.tenant_id = {tenant}
                  AND {})",
                client_holds("cl2", &like)
            )
        }
        // A shorter one matches most clients: each walked row's own client is looked at (a
        // scalar subquery, which PostgreSQL cannot turn into reading every client first).
        None => format!(
            "(SELECT 1 FROM clients cl2 WHERE cl2.id = c.client_id AND {}) = 1",
            client_holds("cl2", &like)
        ),
    };
    format!("({document} OR {} OR {client})", subject_holds("c", &like))
}

/// On SQLite, for a substring of three characters or more, a query of the ids of the clients
/// whose name, email or phone holds it, from the trigram index.
fn client_trigram_ids(
    backend: Backend,
    statement: &mut Statement,
    tenant: &str,
    text: &TextSearch,
) -> Option<String> {
    if backend != Backend::Sqlite || text.client_substring.chars().count() < 3 {
        return None;
    }
    let phrase = statement.arg(Arg::Text(format!(
        "\"{}\"",
        text.client_substring.replace('"', "\"\"")
    )));
    Some(format!(
        "SELECT client_id FROM clients_trigram
          WHERE clients_trigram MATCH {phrase} AND tenant_id = {tenant}"
    ))
}

/// The same conversations as [`walk_condition`], found from the indexes: those with a message
/// holding the longest word (the message index), whose document has every word; or whose
/// subject or client contains the query.
fn lookup_condition(
    backend: Backend,
    statement: &mut Statement,
    tenant: &str,
    text: &TextSearch,
) -> String {
    let messages = match backend {
        Backend::Sqlite if text.folded.is_empty() => "SELECT NULL WHERE 0 = 1".to_owned(),
        Backend::Sqlite => {
            let q = statement.arg(Arg::Text(TextSearch::fts5_term(text.driver_folded())));
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
            let q = statement.arg(Arg::Text(TextSearch::tsquery_term(text.driver_term())));
            format!(
                "SELECT m.conversation_id FROM messages m
                 WHERE to_tsvector('simple', m.body) @@ to_tsquery('simple', {q})
                   AND m.tenant_id = {tenant}"
            )
        }
    };
    let document = document_condition(backend, statement, text, "c1");
    let like = statement.arg(Arg::Text(text.like_pattern()));
    let clients = match client_trigram_ids(backend, statement, tenant, text) {
        Some(ids) => ids,
        // PostgreSQL's trigram indexes (`pg_trgm`) serve these `LIKE`s where installed.
        None => format!(
            "SELECT cl2.id FROM clients cl2 WHERE cl2.tenant_id = {tenant} AND {}",
            client_holds("cl2", &like)
        ),
    };
    let client_ids = match backend {
        Backend::Sqlite => format!("c3.client_id IN ({clients})"),
        // The clients first, on their own (`ARRAY` is computed once, from the trigram
        // indexes): inside the union PostgreSQL would rather scan every client in parallel
        // workers (44 ms instead of 6 for a name a hundred clients have, at 50,000 clients).
        Backend::Postgres => format!("c3.client_id = ANY(ARRAY({clients}))"),
    };
    // One `IN` over the primary key, the union of the three ways in, so the few matches drive
    // the statement and are sorted after (alternatives joined by OR made SQLite walk the whole
    // activity index testing each row against every list).
    format!(
        "c.id IN (
            SELECT c1.id FROM conversations c1
             WHERE c1.id IN ({messages}) AND {document}
            UNION
            SELECT c2.id FROM conversations c2
             WHERE c2.tenant_id = {tenant} AND {}
            UNION
            SELECT c3.id FROM conversations c3 WHERE {client_ids})",
        subject_holds("c2", &like)
    )
}

/// Client `alias`'s name, email or phone contains the `LIKE` pattern `like`.
fn client_holds(alias: &str, like: &str) -> String {
    format!(
        "(LOWER({alias}.name) LIKE {like} ESCAPE '\\'
          OR LOWER(COALESCE({alias}.email, '')) LIKE {like} ESCAPE '\\'
          OR LOWER(COALESCE({alias}.phone, '')) LIKE {like} ESCAPE '\\')"
    )
}

/// Conversation `alias` is an email thread whose subject contains the `LIKE` pattern `like`
/// (`channel = 'email'` lets PostgreSQL use its subject trigram index, which has only those).
fn subject_holds(alias: &str, like: &str) -> String {
    format!("({alias}.channel = 'email' AND LOWER(COALESCE({alias}.subject, '')) LIKE {like} ESCAPE '\\')")
}

/// The cursor that continues after `row` (which selected `id` and `last_message_at`).
pub fn cursor_of(row: &AnyRow) -> sqlx::Result<Cursor> {
    Ok(Cursor {
        last_message_at: row.try_get("last_message_at")?,
        id: row.try_get("id")?,
    })
}

/// Conversations a text search walks before it turns to the indexes: a word in more than
/// about one conversation in 40 fills a page within them; a rarer one is cheap to look up.
/// The window counts the tenant's conversations in the date range, whatever the other filters,
/// so finding its end is a read of the activity index alone.
pub const WALK_WINDOW: i64 = 2_000;

/// A page of the tenant's conversations matching `query`, newest activity first, as `user_id`
/// sees them (unread markers).
pub async fn list(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    query: &ConversationQuery,
) -> Result<ConversationPage, SearchError> {
    list_walking(db, tenant_id, user_id, query, WALK_WINDOW).await
}

/// [`list`] walking at most `window` conversations before the lookup (tests try both plans).
pub async fn list_walking(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    query: &ConversationQuery,
    window: i64,
) -> Result<ConversationPage, SearchError> {
    let request = PageRequest::parse(query)?;
    // Read first: a socket opened after it then misses nothing the page does not show.
    let last_event_seq = events::last_seq(db, tenant_id).await?;
    let limit = i64::from(request.limit);
    let rows = page_rows(db, tenant_id, user_id, &request, limit + 1, window).await?;
    let mut rows = rows;
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

/// Up to `want` summary rows. Without text, one walk down the activity index. With text, the
/// walk checks the next `window` conversations (those the filters keep) and stops at `want`;
/// when they hold fewer, the lookup finds the rest among the older ones.
async fn page_rows(
    db: &Db,
    tenant_id: &str,
    user_id: &str,
    request: &PageRequest,
    want: i64,
    window: i64,
) -> Result<Vec<AnyRow>, SearchError> {
    let summary = || Statement::new(inbox::SUMMARY_SELECT, vec![Arg::Text(user_id.to_owned())]);
    let after = request.after.as_ref();
    let filter = &request.filter;
    if let Some(driver) = rare_driver(db, tenant_id, filter).await? {
        // Too rare to fill a page among the newest conversations: from the indexes at once.
        let mut filter = filter.clone();
        if let Some(text) = filter.text.as_mut() {
            text.driver = driver;
        }
        let range = Range {
            after,
            down_to: None,
        };
        let lookup = conversations_statement(
            db.backend,
            summary(),
            tenant_id,
            &filter,
            range,
            Plan::Lookup,
            want,
        );
        return Ok(lookup.fetch_all(&db.pool).await?);
    }
    // Without text, one walk to the page's end; with text, to the window's end at most.
    let boundary = match filter.text {
        Some(_) => window_end(db, tenant_id, filter, after, window).await?,
        None => None,
    };
    let range = Range {
        after,
        down_to: boundary.as_ref(),
    };
    let walk = conversations_statement(
        db.backend,
        summary(),
        tenant_id,
        filter,
        range,
        Plan::Walk,
        want,
    );
    let mut rows = walk.fetch_all(&db.pool).await?;
    let missing = want - rows.len() as i64;
    let (Some(boundary), true) = (&boundary, missing > 0) else {
        return Ok(rows);
    };
    let Some(text) = &filter.text else {
        return Ok(rows);
    };
    let older = Range {
        after: Some(boundary),
        down_to: None,
    };
    let filtered = filter.channel.is_some()
        || filter.status.is_some()
        || filter.assistant_id.is_some()
        || filter.intent.is_some();
    if !filtered && text.terms.len() == 1 {
        // The window held fewer than a page of the word's conversations: it is rare.
        let lookup = conversations_statement(
            db.backend,
            summary(),
            tenant_id,
            filter,
            older,
            Plan::Lookup,
            missing,
        );
        rows.extend(lookup.fetch_all(&db.pool).await?);
        return Ok(rows);
    }
    // The window says how common each word is and how many of its conversations the filters
    // keep: read on (a word the filters thin out) or look the rest up (a rare word).
    let (window_stats, sampled) = word_counts(db, tenant_id, text, after).await?;
    let (driver, driver_count) = window_stats
        .iter()
        .enumerate()
        .min_by_key(|(i, n)| (**n, std::cmp::Reverse(text.terms[*i].chars().count())))
        .map_or((text.driver, 0), |(i, n)| (i, *n));
    let found = rows.len() as i64;
    // Costs in walked rows; the rest of the history is counted only when both are in play.
    let (walk_rows, lookup_cost) = if driver_count == 0 {
        (1, 0)
    } else {
        let rest = count(db, tenant_id, filter, older).await?;
        let walk_rows = if found > 0 {
            (missing * window / found).min(rest)
        } else {
            rest
        };
        let density = driver_count as f64 / sampled.max(1) as f64;
        let lookup = (density * rest as f64) as i64 * LOOKUP_PER_WALKED_ROW;
        (walk_rows, lookup)
    };
    let mut filter = filter.clone();
    let plan = if walk_rows <= lookup_cost {
        Plan::Walk
    } else {
        if let Some(text) = filter.text.as_mut() {
            text.driver = driver;
        }
        Plan::Lookup
    };
    let more = conversations_statement(
        db.backend,
        summary(),
        tenant_id,
        &filter,
        older,
        plan,
        missing,
    );
    rows.extend(more.fetch_all(&db.pool).await?);
    Ok(rows)
}

/// Most clients (and email subjects) a search's substring may match for it to be looked up at
/// once: each brings a conversation or two to read.
const RARE_OTHERS: i64 = 100;

/// On PostgreSQL, the word of `filter`'s text search that a lookup can start from without a
/// walk first: the longest one its statistics say is rare, when few clients and email subjects
/// hold the query too (the lookup reads each of their conversations). `None`: walk first (on
/// SQLite always, where the walk costs a few milliseconds).
async fn rare_driver(db: &Db, tenant_id: &str, filter: &Filter) -> sqlx::Result<Option<usize>> {
    let Some(text) = &filter.text else {
        return Ok(None);
    };
    // Under three characters the trigram indexes cannot count the clients and subjects.
    if text.client_substring.chars().count() < 3 {
        return Ok(None);
    }
    let Some(stats) = db.word_stats.stats(db).await? else {
        return Ok(None);
    };
    let rare = text
        .terms
        .iter()
        .enumerate()
        .filter(|(_, term)| stats.is_rare(term))
        .max_by_key(|(_, term)| term.chars().count());
    let Some((driver, _)) = rare else {
        return Ok(None);
    };
    let mut statement = Statement::default();
    let tenant = statement.arg(Arg::Text(tenant_id.to_owned()));
    let like = statement.arg(Arg::Text(text.like_pattern()));
    let cap = statement.arg(Arg::Int(RARE_OTHERS));
    statement.sql = format!(
        "SELECT CAST((SELECT COUNT(*) FROM (SELECT 1 FROM clients cl2
                        WHERE cl2.tenant_id = {tenant} AND {} LIMIT {cap}) a)
                   + (SELECT COUNT(*) FROM (SELECT 1 FROM conversations c2
                        WHERE c2.tenant_id = {tenant} AND {} LIMIT {cap}) b) AS BIGINT)",
        client_holds("cl2", &like),
        subject_holds("c2", &like)
    );
    let rows = statement.fetch_all(&db.pool).await?;
    let others: i64 = match rows.first() {
        Some(row) => row.try_get(0)?,
        None => 0,
    };
    Ok((others < RARE_OTHERS).then_some(driver))
}

/// Whether a search for `q` starts from the indexes at once, skipping the walk (tests see the
/// plan taken).
pub async fn looks_up_at_once(db: &Db, tenant_id: &str, q: &str) -> Result<bool, SearchError> {
    let query = ConversationQuery {
        q: Some(q.to_owned()),
        ..ConversationQuery::default()
    };
    let request = PageRequest::parse(&query)?;
    Ok(rare_driver(db, tenant_id, &request.filter).await?.is_some())
}

/// What a lookup costs per conversation holding its word, in conversations walked (measured
/// on both backends at a million messages: about 10 µs against 2 µs).
const LOOKUP_PER_WALKED_ROW: i64 = 5;

/// Conversations of the window whose words are counted: enough to tell a word in one
/// conversation in a hundred from one in a thousand.
const SAMPLE: i64 = 1_000;

/// For each word of `text`, how many of the [`SAMPLE`] newest conversations after `after` (any
/// filter) hold it; and how many were read.
async fn word_counts(
    db: &Db,
    tenant_id: &str,
    text: &TextSearch,
    after: Option<&Cursor>,
) -> sqlx::Result<(Vec<i64>, i64)> {
    let document = match db.backend {
        Backend::Sqlite => "search_terms",
        Backend::Postgres => "search_doc",
    };
    let mut statement =
        Statement::new(&format!("SELECT c.{document} FROM conversations c"), vec![]);
    let counts: Vec<String> = (0..text.terms.len())
        .map(|i| {
            let holds = match db.backend {
                Backend::Sqlite => {
                    let word = text.folded.get(i).map_or("", String::as_str);
                    let p = statement.arg(Arg::Text(format!(" {word}")));
                    format!("instr(c.search_terms, {p}) > 0")
                }
                Backend::Postgres => {
                    let p = statement.arg(Arg::Text(TextSearch::tsquery_term(&text.terms[i])));
                    format!("c.search_doc @@ to_tsquery('simple', {p})")
                }
            };
            format!("CAST(COALESCE(SUM(CASE WHEN {holds} THEN 1 ELSE 0 END), 0) AS BIGINT)")
        })
        .collect();
    let range = Range {
        after,
        down_to: None,
    };
    let conditions = conditions(
        db.backend,
        &mut statement,
        tenant_id,
        &Filter::default(),
        range,
        Plan::Walk,
    );
    let limit = statement.arg(Arg::Int(SAMPLE));
    // Placeholders are numbered, so the sums may come first in the text.
    statement.sql = format!(
        "SELECT {}, CAST(COUNT(*) AS BIGINT) FROM ({} WHERE {}
          ORDER BY c.last_message_at DESC, c.id DESC LIMIT {limit}) c",
        counts.join(", "),
        statement.sql,
        conditions.join(" AND ")
    );
    let rows = statement.fetch_all(&db.pool).await?;
    let Some(row) = rows.first() else {
        return Ok((vec![0; text.terms.len()], 0));
    };
    let counts = (0..text.terms.len())
        .map(|i| row.try_get(i))
        .collect::<sqlx::Result<_>>()?;
    Ok((counts, row.try_get(text.terms.len())?))
}

/// `select` (from `conversations c`) with `WHERE` for the tenant, `range` and the filter's date
/// range only: what the activity index alone answers.
fn in_dates(
    db: &Db,
    select: &str,
    tenant_id: &str,
    filter: &Filter,
    range: Range<'_>,
) -> Statement {
    let dates = Filter {
        from: filter.from,
        to: filter.to,
        ..Filter::default()
    };
    let mut statement = Statement::new(select, vec![]);
    let conditions = conditions(
        db.backend,
        &mut statement,
        tenant_id,
        &dates,
        range,
        Plan::Walk,
    );
    statement.sql = format!("{} WHERE {}", statement.sql, conditions.join(" AND "));
    statement
}

/// How many conversations of `range` are in the filter's date range.
async fn count(db: &Db, tenant_id: &str, filter: &Filter, range: Range<'_>) -> sqlx::Result<i64> {
    let select = "SELECT CAST(COUNT(*) AS BIGINT) FROM conversations c";
    let statement = in_dates(db, select, tenant_id, filter, range);
    let rows = statement.fetch_all(&db.pool).await?;
    rows.first().map_or(Ok(0), |row| row.try_get(0))
}

/// The `window`-th conversation after `after` in the date range, if there are that many:
/// where the walk stops. The other filters are left to the walk.
async fn window_end(
    db: &Db,
    tenant_id: &str,
    filter: &Filter,
    after: Option<&Cursor>,
    window: i64,
) -> sqlx::Result<Option<Cursor>> {
    let select = "SELECT c.last_message_at, c.id FROM conversations c";
    let range = Range {
        after,
        down_to: None,
    };
    let mut statement = in_dates(db, select, tenant_id, filter, range);
    let offset = statement.arg(Arg::Int(window.max(1) - 1));
    statement.sql = format!(
        "{} ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1 OFFSET {offset}",
        statement.sql
    );
    let rows = statement.fetch_all(&db.pool).await?;
    rows.first().map(cursor_of).transpose()
}
