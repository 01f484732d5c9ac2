//! Conversations as the dashboard sees them: one summary row per conversation (client, assistant,
//! assignee, last message, unread marker) and the timeline of its messages.

use shared::api::{Author, Channel, ConversationStatus};
use shared::dashboard::{ClientBrief, ConversationSummary, TimelineMessage};
use shared::decision::Decision;
use sqlx::AnyConnection;

use crate::db::decode_error;
use crate::db::direct::Cols;

/// The summary's columns before `unread`, and its joins but the reader's marker: shared by
/// [`SUMMARY_SELECT`] and [`EVENT_SUMMARY_SQL`].
macro_rules! summary_columns {
    () => {
        "SELECT c.id, c.channel, c.status, c.client_id,
        cl.name AS client_name, cl.email AS client_email, cl.phone AS client_phone,
        c.assistant_id, a.name AS assistant_name, c.intent, c.assignee_id,
        u.name AS assignee_name, c.ai_paused, c.flagged, c.flag_reason,
        c.last_message_preview, c.last_message_author, c.last_message_at, c.created_at,
        c.message_count, c.client_verified, c.visitor_name,"
    };
}
macro_rules! summary_detail_joins {
    () => {
        "
    LEFT JOIN clients cl ON cl.id = c.client_id
    LEFT JOIN assistants a ON a.id = c.assistant_id
    LEFT JOIN users u ON u.id = c.assignee_id"
    };
}
macro_rules! summary_joins {
    () => {
        concat!(
            "
    FROM conversations c",
            summary_detail_joins!()
        )
    };
}

/// The summary's columns and joins; `$1` is the reading user's id (for `unread`; `''` for none).
/// Callers add `WHERE`, `ORDER BY` and `LIMIT`.
pub const SUMMARY_SELECT: &str = concat!(
    summary_columns!(),
    "
        CAST(CASE WHEN c.last_visitor_seq > COALESCE(r.last_read_seq, 0) THEN 1 ELSE 0 END
             AS BIGINT) AS unread",
    summary_joins!(),
    "
    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.user_id = $1"
);

/// One conversation's summary as events carry it: nobody's unread marker, so no reader's row to
/// look up (this runs on SQLite's single writer for every message). `$1` is the conversation,
/// `$2` its tenant.
const EVENT_SUMMARY_SQL: &str = concat!(
    summary_columns!(),
    " CAST(0 AS BIGINT) AS unread",
    summary_joins!(),
    "
    WHERE c.id = $1 AND c.tenant_id = $2"
);

/// The summary's `SELECT` list as events carry it (see [`EVENT_SUMMARY_SQL`]), for a query
/// that joins `conversations c` itself and then [`SUMMARY_DETAIL_JOINS`] (the event log's).
pub const EVENT_SUMMARY_COLUMNS: &str = concat!(summary_columns!(), " CAST(0 AS BIGINT) AS unread");
/// The summary's joins after `conversations c`.
pub const SUMMARY_DETAIL_JOINS: &str = summary_detail_joins!();

/// How much of the last message the list shows.
pub const PREVIEW_CHARS: usize = 160;

pub fn summary_from_row(row: &impl Cols) -> sqlx::Result<ConversationSummary> {
    let channel: String = row.col("channel")?;
    let status: String = row.col("status")?;
    let author: Option<String> = row.col("last_message_author")?;
    let client_id: Option<String> = row.col("client_id")?;
    let client = match client_id {
        Some(id) => Some(ClientBrief {
            id,
            name: row
                .col::<Option<String>>("client_name")?
                .unwrap_or_default(),
            email: row.col("client_email")?,
            phone: row.col("client_phone")?,
            verified: row.col::<i64>("client_verified")? != 0,
        }),
        None => None,
    };
    Ok(ConversationSummary {
        id: row.col("id")?,
        channel: Channel::parse(&channel).ok_or_else(|| decode_error("channel", &channel))?,
        status: ConversationStatus::parse(&status)
            .ok_or_else(|| decode_error("status", &status))?,
        client,
        visitor_name: row.col("visitor_name")?,
        assistant_id: row.col("assistant_id")?,
        assistant_name: row.col("assistant_name")?,
        intent: row.col("intent")?,
        assignee_id: row.col("assignee_id")?,
        assignee_name: row.col("assignee_name")?,
        ai_paused: row.col::<i64>("ai_paused")? != 0,
        flagged: row.col::<i64>("flagged")? != 0,
        flag_reason: row.col("flag_reason")?,
        last_message: row.col("last_message_preview")?,
        last_message_author: author.as_deref().and_then(Author::parse),
        last_message_at: row.col("last_message_at")?,
        created_at: row.col("created_at")?,
        message_count: row.col("message_count")?,
        unread: row.col::<i64>("unread")? != 0,
    })
}

/// One conversation of the tenant as `user_id` sees it; another tenant's id finds nothing.
pub async fn summary(
    conn: &mut AnyConnection,
    tenant_id: &str,
    conversation_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<ConversationSummary>> {
    let sql = format!("{SUMMARY_SELECT} WHERE c.id = $2 AND c.tenant_id = $3");
    let row = sqlx::query(&sql)
        .bind(user_id)
        .bind(conversation_id)
        .bind(tenant_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(summary_from_row).transpose()
}

/// The summary carried by events: nobody's unread marker.
pub async fn event_summary(
    conn: &mut AnyConnection,
    tenant_id: &str,
    conversation_id: &str,
) -> sqlx::Result<ConversationSummary> {
    let row = sqlx::query(EVENT_SUMMARY_SQL)
        .bind(conversation_id)
        .bind(tenant_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(summary_from_row)
        .transpose()?
        .ok_or(sqlx::Error::RowNotFound)
}

pub const TIMELINE_COLUMNS: &str =
    "m.id, m.conversation_id, m.author, m.author_name, m.channel, m.body, m.created_at,
     m.client_message_id, m.decision, m.delivery_status, m.delivery_error";

pub fn timeline_from_row(row: &impl Cols) -> sqlx::Result<TimelineMessage> {
    let author: String = row.col("author")?;
    let channel: String = row.col("channel")?;
    Ok(TimelineMessage {
        id: row.col("id")?,
        conversation_id: row.col("conversation_id")?,
        author: Author::parse(&author).ok_or_else(|| decode_error("author", &author))?,
        author_name: row.col("author_name")?,
        channel: Channel::parse(&channel).ok_or_else(|| decode_error("channel", &channel))?,
        body: row.col("body")?,
        created_at: row.col("created_at")?,
        client_message_id: row.col("client_message_id")?,
        why: decision_from_column(row.col("decision")?)
            .map(|d| shared::decision::why(&d))
            .unwrap_or_default(),
        delivery: delivery_from_columns(row.col("delivery_status")?, row.col("delivery_error")?),
    })
}

/// A stored delivery status; one this version does not know is left out.
fn delivery_from_columns(
    status: Option<String>,
    error: Option<String>,
) -> Option<shared::dashboard::MessageDelivery> {
    let status = shared::dashboard::DeliveryStatus::parse(&status?)?;
    Some(shared::dashboard::MessageDelivery { status, error })
}

/// A stored decision; one that no longer reads (it never should: every part defaults) is left
/// out rather than failing the timeline.
pub fn decision_from_column(json: Option<String>) -> Option<Decision> {
    let json = json?;
    match serde_json::from_str(&json) {
        Ok(decision) => Some(decision),
        Err(error) => {
            tracing::warn!(%error, "a stored reply decision does not read");
            None
        }
    }
}

/// One message as the timeline shows it.
pub async fn timeline_message(
    conn: &mut AnyConnection,
    message_id: &str,
) -> sqlx::Result<TimelineMessage> {
    let sql = format!("SELECT {TIMELINE_COLUMNS} FROM messages m WHERE m.id = $1");
    let row = sqlx::query(&sql)
        .bind(message_id)
        .fetch_one(&mut *conn)
        .await?;
    timeline_from_row(&row)
}

/// The newest `limit` messages of a conversation, oldest first.
pub async fn timeline(
    conn: &mut AnyConnection,
    conversation_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<TimelineMessage>> {
    let sql = format!(
        "SELECT {TIMELINE_COLUMNS} FROM messages m WHERE m.conversation_id = $1
         ORDER BY m.seq DESC LIMIT $2"
    );
    let mut messages = sqlx::query(&sql)
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(timeline_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}

/// The client's other conversations (all but `except`), newest activity first, as `user_id`
/// sees them.
pub async fn client_conversations(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
    client_id: &str,
    except: &str,
    limit: i64,
) -> sqlx::Result<Vec<ConversationSummary>> {
    let sql = format!(
        "{SUMMARY_SELECT} WHERE c.client_id = $2 AND c.tenant_id = $3 AND c.id <> $4
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $5"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .bind(client_id)
        .bind(tenant_id)
        .bind(except)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(summary_from_row)
        .collect()
}

/// The first `PREVIEW_CHARS` characters, cut on a character boundary.
pub fn preview(body: &str) -> &str {
    match body.char_indices().nth(PREVIEW_CHARS) {
        Some((i, _)) => &body[..i],
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn preview_cuts_on_a_character_boundary() {
        let long = "é".repeat(200);
        assert_eq!(preview(&long).chars().count(), 160);
        assert_eq!(preview("short"), "short");
    }
}
