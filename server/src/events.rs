//! The tenant's event log: every change a dashboard (or a widget, for its own session) must see,
//! written in the same transaction as the change itself, so an event exists if and only if the
//! change does. Numbers are dense per tenant (1, 2, 3...) and commit in order: on PostgreSQL
//! taking the next number locks the tenant's row until commit; SQLite has one writer, which reads
//! it from the end of the log and brings the tenant's row up to date once per batch. A reader
//! that saw `n` resumes with `after = n`.
//!
//! Events are appended through [`crate::db::WriteTx::record_event`], whose commit wakes this
//! process's subscribers; on PostgreSQL the `pg_notify` sent with the transaction wakes every
//! other server instance as well.

use std::sync::{Arc, LazyLock};

use axum::extract::ws::Utf8Bytes;
use shared::dashboard::{DashboardEvent, EventEnvelope, SocketFrame};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::direct::{ColType, Cols};
use crate::db::{now_ms, Backend, Db};
use crate::inbox;

/// The PostgreSQL channel that carries "tenant X has new events" between instances.
pub const PG_CHANNEL: &str = "livechat_events";

/// An event as read back from the log, with the socket frame pre-serialised once for every
/// dashboard that receives it.
#[derive(Debug)]
pub struct StoredEvent {
    pub seq: i64,
    pub session_id: Option<String>,
    pub envelope: EventEnvelope,
    /// The JSON text of [`SocketFrame::Event`] for this event (shared, not copied, per socket).
    pub frame: Utf8Bytes,
}

/// What one entry of the log holds: an event as it was (its JSON), or, for a new message or a
/// conversation's summary, a reference (an empty payload). A message is most of what is written, on
/// the store's single writer for SQLite; its event is built when the log is read (see
/// [`from_row`]), once for every dashboard of the tenant, on the readers. It then shows the
/// message and its conversation as they are when read, which is what a dashboard catching up
/// wants anyway.
#[derive(Clone, Copy)]
pub enum Entry<'a> {
    Event(&'a DashboardEvent),
    /// A `message_created` event for the message numbered `seq`.
    Message {
        conversation_id: &'a str,
        seq: i64,
    },
    /// A `conversation_created` or `conversation_updated` event: the conversation's summary.
    Conversation {
        conversation_id: &'a str,
        change: Change,
    },
}

/// What an [`Entry::Conversation`] says happened to the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
}

impl Change {
    const ALL: [Self; 2] = [Self::Created, Self::Updated];

    fn kind(self) -> &'static str {
        match self {
            Self::Created => DashboardEvent::CONVERSATION_CREATED,
            Self::Updated => DashboardEvent::CONVERSATION_UPDATED,
        }
    }

    fn event(self, conversation: shared::dashboard::ConversationSummary) -> DashboardEvent {
        match self {
            Self::Created => DashboardEvent::ConversationCreated { conversation },
            Self::Updated => DashboardEvent::ConversationUpdated { conversation },
        }
    }
}

impl<'a> From<&'a DashboardEvent> for Entry<'a> {
    fn from(event: &'a DashboardEvent) -> Self {
        Self::Event(event)
    }
}

impl Entry<'_> {
    fn kind(self) -> &'static str {
        match self {
            Self::Event(event) => event.kind(),
            Self::Message { .. } => DashboardEvent::MESSAGE_CREATED,
            Self::Conversation { change, .. } => change.kind(),
        }
    }

    fn conversation_id(&self) -> Option<&str> {
        match self {
            Self::Event(event) => event.conversation_id(),
            Self::Message {
                conversation_id, ..
            }
            | Self::Conversation {
                conversation_id, ..
            } => Some(conversation_id),
        }
    }

    /// The stored JSON: empty for an entry by reference.
    fn payload(self) -> sqlx::Result<String> {
        match self {
            Self::Event(event) => {
                serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(e.into()))
            }
            Self::Message { .. } | Self::Conversation { .. } => Ok(String::new()),
        }
    }

    fn message_seq(self) -> Option<i64> {
        match self {
            Self::Message { seq, .. } => Some(seq),
            Self::Event(_) | Self::Conversation { .. } => None,
        }
    }

    pub fn is_settings_change(self) -> bool {
        matches!(self, Self::Event(DashboardEvent::SettingsChanged { .. }))
    }
}

/// Appends an entry inside the caller's transaction and returns its number. Only
/// [`crate::db::WriteTx::record_event`] calls this, so that every append is announced on commit.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    tenant_id: &str,
    session_id: Option<&str>,
    entry: Entry<'_>,
) -> sqlx::Result<i64> {
    // The tenant's next number and the event with it, in one round trip: the number comes from
    // the tenant's row, whose update also orders concurrent appends (PostgreSQL's row lock;
    // SQLite has one writer).
    let sql = match backend {
        Backend::Postgres => {
            "WITH next AS (
               UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq)
             INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at, message_seq)
             SELECT $1, event_seq, $2, $3, $4, $5, $6, $7 FROM next
             RETURNING seq"
        }
        // Two statements, one call: the `$n` are shared.
        Backend::Sqlite => {
            "UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1;
             INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at, message_seq)
             SELECT $1, event_seq, $2, $3, $4, $5, $6, $7 FROM tenants WHERE id = $1
             RETURNING seq"
        }
    };
    // `fetch_all`: a fetch of one row would stop after SQLite's first statement.
    let seq: i64 = sqlx::query_scalar(sql)
        .bind(tenant_id)
        .bind(session_id)
        .bind(entry.conversation_id())
        .bind(entry.kind())
        .bind(entry.payload()?)
        .bind(now_ms())
        .bind(entry.message_seq())
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .next()
        .ok_or(sqlx::Error::RowNotFound)?;
    if backend == Backend::Postgres {
        // Delivered to every listening instance when (and only if) the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(PG_CHANNEL)
            .bind(tenant_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(seq)
}

/// [`append`] on a direct SQLite connection (see [`crate::db::direct`]); only
/// [`crate::db::direct::DirectTx::record_event`] calls this.
///
/// The number is one past the tenant's last, read rather than counted in the tenant's row: the
/// row is brought up to date once per batch of the writer, just before it commits
/// ([`catch_up_direct`]), instead of being rewritten (and copied to the job's savepoint journal)
/// for every event. Readers only ever see committed batches, so for them `tenants.event_seq`
/// is the last number as before; a transaction of the writer's other (sqlx) connection starts
/// after such a commit, and counts on from there.
pub(crate) fn append_direct(
    conn: &rusqlite::Connection,
    tenant_id: &str,
    session_id: Option<&str>,
    entry: Entry<'_>,
) -> sqlx::Result<i64> {
    use crate::db::direct::{self, Arg, First};
    let payload = entry.payload()?;
    // Two plain statements rather than `INSERT … RETURNING`: SQLite buffers a `RETURNING`
    // row in a temporary b-tree it opens and closes for each call, and this runs on the single
    // writer for every message. Both read the end of the tenant's log, a page in the cache.
    // No such tenant: nothing is found here.
    let First(seq) = direct::query_opt(
        conn,
        "SELECT MAX(event_seq, COALESCE((SELECT MAX(seq) FROM events WHERE tenant_id = $1), 0)) + 1
           FROM tenants WHERE id = $1",
        &[Arg::Text(tenant_id)],
        |row| direct::FromCols::from_cols(row),
    )?
    .ok_or(sqlx::Error::RowNotFound)?;
    direct::execute(
        conn,
        "INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at, message_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Arg::Text(tenant_id),
            Arg::Int(seq),
            session_id.into(),
            entry.conversation_id().into(),
            Arg::Text(entry.kind()),
            Arg::Text(&payload),
            Arg::Int(now_ms()),
            entry.message_seq().into(),
        ],
    )?;
    Ok(seq)
}

/// Brings `tenants.event_seq` up to the tenant's last event, for a batch of the writer's direct
/// connection whose jobs appended with [`append_direct`]; run in the batch's transaction, just
/// before it commits.
pub(crate) fn catch_up_direct(conn: &rusqlite::Connection, tenant_id: &str) -> sqlx::Result<()> {
    use crate::db::direct::{self, Arg};
    direct::execute(
        conn,
        "UPDATE tenants SET event_seq = (SELECT MAX(seq) FROM events WHERE tenant_id = $1)
          WHERE id = $1 AND event_seq < (SELECT MAX(seq) FROM events WHERE tenant_id = $1)",
        &[Arg::Text(tenant_id)],
    )
    .map(drop)
}

fn from_row(row: &AnyRow) -> sqlx::Result<StoredEvent> {
    let seq: i64 = row.try_get("e_seq")?;
    let payload: String = row.try_get("e_payload")?;
    let event = match row.try_get::<Option<i64>, _>("e_message_seq")? {
        Some(message_seq) => message_event(row, message_seq)?,
        // By reference: the conversation's summary comes from the join.
        None if payload.is_empty() => conversation_event(row)?,
        None => serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(e.into()))?,
    };
    let envelope = EventEnvelope {
        seq,
        at: row.try_get("e_created_at")?,
        event,
    };
    let frame = serde_json::to_string(&SocketFrame::Event {
        envelope: envelope.clone(),
    })
    .map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(StoredEvent {
        seq,
        session_id: row.try_get("e_session_id")?,
        envelope,
        frame: frame.into(),
    })
}

/// A message's event from its entry's joins: the message (`m_` columns) and its conversation
/// (the summary's own column names). Messages and conversations are never deleted while their
/// tenant exists, and the tenant's log goes with it.
fn message_event(row: &AnyRow, message_seq: i64) -> sqlx::Result<DashboardEvent> {
    if row.try_get::<Option<String>, _>("m_id")?.is_none()
        || row.try_get::<Option<String>, _>("id")?.is_none()
    {
        return Err(sqlx::Error::Decode(
            format!("the log names message {message_seq}, which is not stored").into(),
        ));
    }
    let message = inbox::timeline_from_row(&Prefixed { row, prefix: "m_" })?;
    let conversation = inbox::summary_from_row(row)?;
    Ok(DashboardEvent::MessageCreated {
        conversation_id: conversation.id.clone(),
        message,
        conversation,
    })
}

/// A conversation's event by reference ([`Entry::Conversation`]), from the summary's join.
fn conversation_event(row: &AnyRow) -> sqlx::Result<DashboardEvent> {
    let kind: String = row.try_get("e_kind")?;
    let change = Change::ALL.into_iter().find(|c| c.kind() == kind);
    match change {
        Some(change) if row.try_get::<Option<String>, _>("id")?.is_some() => {
            Ok(change.event(inbox::summary_from_row(row)?))
        }
        _ => Err(sqlx::Error::Decode(
            format!("a {kind} entry by reference names no stored conversation").into(),
        )),
    }
}

/// A row's columns named with a prefix (`m_id` for `id`).
struct Prefixed<'r> {
    row: &'r AnyRow,
    prefix: &'static str,
}

impl Cols for Prefixed<'_> {
    fn col<T: ColType>(&self, name: &str) -> sqlx::Result<T> {
        self.row.col(&format!("{}{name}", self.prefix))
    }

    fn col_at<T: ColType>(&self, index: usize) -> sqlx::Result<T> {
        self.row.col_at(index)
    }
}

/// The log's columns (`e_`), a referenced message's (`m_`) and, for an entry by reference, its
/// conversation's summary; the caller adds `WHERE` (on `e`), `ORDER BY` and `LIMIT`.
static SELECT: LazyLock<String> = LazyLock::new(|| {
    let message_columns = inbox::TIMELINE_COLUMNS
        .split(',')
        .map(|column| {
            let column = column.trim();
            let name = column.trim_start_matches("m.");
            format!("{column} AS m_{name}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{summary}, e.seq AS e_seq, e.session_id AS e_session_id, e.payload AS e_payload,
                e.kind AS e_kind, e.created_at AS e_created_at, e.message_seq AS e_message_seq,
                {message_columns}
           FROM events e
           LEFT JOIN messages m ON m.seq = e.message_seq
           LEFT JOIN conversations c ON c.id = e.conversation_id AND e.payload = ''
           {joins}",
        summary = inbox::EVENT_SUMMARY_COLUMNS,
        joins = inbox::SUMMARY_DETAIL_JOINS,
    )
});

/// Up to `limit` events of the tenant after `after`, in order.
pub async fn after(
    db: &Db,
    tenant_id: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    let sql = format!(
        "{} WHERE e.tenant_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
        *SELECT
    );
    read(
        sqlx::query(&sql).bind(tenant_id).bind(after).bind(limit),
        db,
    )
    .await
}

/// Up to `limit` of the tenant's `SettingsChanged` events after `after` and up to `through`, in
/// order.
pub async fn settings_changes_after(
    db: &Db,
    tenant_id: &str,
    after: i64,
    through: i64,
    limit: i64,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    let sql = format!(
        "{} WHERE e.tenant_id = $1 AND e.seq > $2 AND e.seq <= $3 AND e.kind = 'settings_changed'
          ORDER BY e.seq LIMIT $4",
        *SELECT
    );
    read(
        sqlx::query(&sql)
            .bind(tenant_id)
            .bind(after)
            .bind(through)
            .bind(limit),
        db,
    )
    .await
}

/// Up to `limit` events of one visitor session after `after`, in order.
///
/// Message events are not in the session's index (see migration 0036): they are found through
/// the messages of the session's conversations, which is where a message's event points (a
/// message is recorded with its conversation's session). A session has a few conversations
/// of tens of messages, so this reads a handful of index entries.
pub async fn for_session_after(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    let query = sqlx::query(&SESSION_AFTER)
        .bind(session_id)
        .bind(tenant_id)
        .bind(after)
        .bind(limit);
    read(query, db).await
}

/// [`for_session_after`]'s query. In its second part the tenant and number are written so that
/// no index serves them (`|| ''`, `+ 0`): SQLite would otherwise walk the tenant's whole log
/// after `after` (its primary key) instead of looking up the session's few messages.
static SESSION_AFTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{select} WHERE e.session_id = $1 AND e.tenant_id = $2 AND e.seq > $3
                    AND e.message_seq IS NULL
         UNION ALL
         {select} WHERE e.message_seq IS NOT NULL
                    AND e.message_seq IN (
                        SELECT sm.seq FROM conversations sc
                          JOIN messages sm ON sm.conversation_id = sc.id
                         WHERE sc.session_id = $1 AND sc.tenant_id = $2)
                    AND e.session_id = $1 AND e.tenant_id || '' = $2 AND e.seq + 0 > $3
         ORDER BY e_seq LIMIT $4",
        select = *SELECT
    )
});

async fn read<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    db: &Db,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    query
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| from_row(r).map(Arc::new))
        .collect()
}

/// The tenant's latest event number (0 before the first).
pub async fn last_seq(db: &Db, tenant_id: &str) -> sqlx::Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT event_seq FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(seq.unwrap_or(0))
}

/// The tenant's oldest kept event number, `None` when none is kept.
pub async fn oldest_seq(db: &Db, tenant_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(seq) FROM events WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&db.pool)
        .await
}

/// True when events after `after` were pruned: a client resuming there cannot be given exactly
/// what it missed.
pub async fn pruned_after(db: &Db, tenant_id: &str, after: i64) -> sqlx::Result<bool> {
    let last = last_seq(db, tenant_id).await?;
    if after >= last {
        return Ok(false);
    }
    Ok(match oldest_seq(db, tenant_id).await? {
        Some(oldest) => oldest > after + 1,
        // Events were recorded after `after`, and none is left.
        None => true,
    })
}

/// Deletes events recorded before `before` (Unix ms), a batch at a time so no statement holds
/// the store for long; answers how many. A tenant's numbers grow with time, so its old events
/// are the start of its log: found through the primary key, with no index on the time to keep
/// up on every append.
pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    const BATCH: usize = 5000;
    let tenants: Vec<String> = sqlx::query_scalar("SELECT id FROM tenants")
        .fetch_all(&db.pool)
        .await?;
    let mut total = 0;
    for tenant_id in tenants {
        loop {
            let oldest: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT seq, created_at FROM events WHERE tenant_id = $1 ORDER BY seq LIMIT $2",
            )
            .bind(&tenant_id)
            .bind(i64::try_from(BATCH).unwrap_or(i64::MAX))
            .fetch_all(&db.pool)
            .await?;
            // Up to the first event recorded since (a clock set back may leave an older one
            // after it: that one goes once this one is old enough).
            let old = oldest.iter().take_while(|(_, at)| *at < before).count();
            let Some(&(last, _)) = old.checked_sub(1).and_then(|i| oldest.get(i)) else {
                break;
            };
            let mut tx = db.begin_write().await?;
            let deleted = sqlx::query("DELETE FROM events WHERE tenant_id = $1 AND seq <= $2")
                .bind(&tenant_id)
                .bind(last)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            total += deleted;
            if old < BATCH {
                break;
            }
        }
    }
    Ok(total)
}

/// Prunes events older than `retention` every ten minutes, for as long as the process runs.
pub fn spawn_pruner(db: Db, retention: std::time::Duration) {
    let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match prune(&db, now_ms().saturating_sub(retention_ms)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "pruned old events"),
                Err(e) => tracing::warn!(error = %e, "pruning old events"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/events.db", dir.path().display());
        let db = Db::connect(&url, 2).await.expect("store");
        for id in ["t1", "t2"] {
            sqlx::query(
                "INSERT INTO tenants (id, name, company_name, primary_color, created_at)
                 VALUES ($1, $1, $1, '#000000', 0)",
            )
            .bind(id)
            .execute(&db.pool)
            .await
            .expect("tenant");
        }
        (dir, db)
    }

    fn message(seq: i64) -> Entry<'static> {
        Entry::Message {
            conversation_id: "c1",
            seq,
        }
    }

    /// Appends on the writer's direct connection, one job each, all queued before the first
    /// runs (so they share a batch); a job that fails after appending keeps nothing.
    async fn append_direct_jobs(db: &Db, jobs: &[(&'static str, bool)]) -> Vec<Option<i64>> {
        let pending: Vec<_> = jobs
            .iter()
            .map(|&(tenant_id, keep)| {
                db.write_direct(move |tx| {
                    let seq = tx.record_event(tenant_id, Some("s1"), message(1))?;
                    if keep {
                        Ok(seq)
                    } else {
                        Err(sqlx::Error::RowNotFound)
                    }
                })
            })
            .collect();
        futures::future::join_all(pending)
            .await
            .into_iter()
            .map(|appended| appended.expect("sqlite").ok())
            .collect()
    }

    async fn numbers(db: &Db, tenant_id: &str) -> Vec<i64> {
        sqlx::query_scalar("SELECT seq FROM events WHERE tenant_id = $1 ORDER BY seq")
            .bind(tenant_id)
            .fetch_all(&db.pool)
            .await
            .expect("numbers")
    }

    #[tokio::test]
    async fn numbers_stay_dense_per_tenant_across_batches_connections_and_undone_jobs() {
        let (_dir, db) = store().await;
        let first = append_direct_jobs(
            &db,
            &[("t1", true), ("t2", true), ("t1", false), ("t1", true)],
        )
        .await;
        assert_eq!(first, [Some(1), Some(1), None, Some(2)]);
        // Once committed, the tenant's row says where its log ends, as readers expect.
        assert_eq!(last_seq(&db, "t1").await.expect("last"), 2);
        assert_eq!(last_seq(&db, "t2").await.expect("last"), 1);

        // A transaction of the writer's other connection counts on from there.
        let mut tx = db.begin_write().await.expect("tx");
        let seq = tx
            .record_event("t1", None, message(2))
            .await
            .expect("append");
        tx.commit().await.expect("commit");
        assert_eq!(seq, 3);

        let more = append_direct_jobs(&db, &[("t1", true), ("t1", true)]).await;
        assert_eq!(more, [Some(4), Some(5)]);
        assert_eq!(numbers(&db, "t1").await, [1, 2, 3, 4, 5]);
        assert_eq!(last_seq(&db, "t1").await.expect("last"), 5);

        // Pruning the whole log does not make numbers start over.
        let pruned = prune(&db, now_ms() + 1).await.expect("prune");
        assert_eq!(pruned, 6);
        assert_eq!(append_direct_jobs(&db, &[("t1", true)]).await, [Some(6)]);
        assert!(!pruned_after(&db, "t1", 5).await.expect("pruned"));
        assert!(pruned_after(&db, "t1", 4).await.expect("pruned"));
    }

    #[tokio::test]
    async fn a_sessions_message_events_are_looked_up_by_message_not_found_by_walking_the_log() {
        use crate::db::direct::{self, Arg};
        let (_dir, db) = store().await;
        let plan = db
            .read_direct(|conn| {
                let sql = format!("EXPLAIN QUERY PLAN {}", *SESSION_AFTER);
                let mut stmt = conn.prepare(&sql).map_err(direct::error)?;
                let args = [Arg::Text("s1"), Arg::Text("t1"), Arg::Int(0), Arg::Int(10)];
                direct::bind(&mut stmt, &args)?;
                let mut rows = stmt.raw_query();
                let mut plan = Vec::new();
                while let Some(row) = rows.next().map_err(direct::error)? {
                    plan.push(row.get::<_, String>(3).map_err(direct::error)?);
                }
                Ok(plan)
            })
            .expect("sqlite")
            .expect("plan");
        let plan = plan.join("\n");
        assert!(plan.contains("events_session"), "{plan}");
        assert!(plan.contains("events_message"), "{plan}");
        assert!(plan.contains("conversations_session"), "{plan}");
        assert!(!plan.contains("SEARCH e USING PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("SCAN"), "{plan}");
    }

    #[tokio::test]
    async fn an_unknown_tenant_gets_no_number() {
        let (_dir, db) = store().await;
        let appended = db
            .write_direct(|tx| tx.record_event("nobody", None, message(1)))
            .await
            .expect("sqlite");
        assert!(
            matches!(appended, Err(sqlx::Error::RowNotFound)),
            "{appended:?}"
        );
    }
}
