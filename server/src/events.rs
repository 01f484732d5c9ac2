//! The tenant's event log: every change a dashboard (or a widget, for its own session) must see,
//! written in the same transaction as the change itself, so an event exists if and only if the
//! change does. Numbers are dense per tenant (1, 2, 3...) and commit in order: taking the next
//! number locks the tenant's row until commit. A reader that saw `n` resumes with `after = n`.
//!
//! Events are appended through [`crate::db::WriteTx::record_event`], whose commit wakes this
//! process's subscribers; on PostgreSQL the `pg_notify` sent with the transaction wakes every
//! other server instance as well.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use shared::dashboard::{DashboardEvent, EventEnvelope, SocketFrame};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{now_ms, Backend, Db};

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

/// Appends an event inside the caller's transaction and returns its number. Only
/// [`crate::db::WriteTx::record_event`] calls this, so that every append is announced on commit.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    tenant_id: &str,
    session_id: Option<&str>,
    event: &DashboardEvent,
) -> sqlx::Result<i64> {
    let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // The tenant's next number and the event with it, in one round trip: the number comes from
    // the tenant's row, whose update also orders concurrent appends (PostgreSQL's row lock;
    // SQLite has one writer).
    let sql = match backend {
        Backend::Postgres => {
            "WITH next AS (
               UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq)
             INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at)
             SELECT $1, event_seq, $2, $3, $4, $5, $6 FROM next
             RETURNING seq"
        }
        // Two statements, one call: the `$n` are shared.
        Backend::Sqlite => {
            "UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1;
             INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at)
             SELECT $1, event_seq, $2, $3, $4, $5, $6 FROM tenants WHERE id = $1
             RETURNING seq"
        }
    };
    // `fetch_all`: a fetch of one row would stop after SQLite's first statement.
    let seq: i64 = sqlx::query_scalar(sql)
        .bind(tenant_id)
        .bind(session_id)
        .bind(event.conversation_id())
        .bind(event.kind())
        .bind(payload)
        .bind(now_ms())
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
pub(crate) fn append_direct(
    conn: &rusqlite::Connection,
    tenant_id: &str,
    session_id: Option<&str>,
    event: &DashboardEvent,
) -> sqlx::Result<i64> {
    use crate::db::direct::{self, Arg, First};
    let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // Three plain statements rather than `INSERT … RETURNING`: SQLite buffers a `RETURNING`
    // row in a temporary b-tree it opens and closes for each call, and this runs on the single
    // writer for every message. The tenant's row, just updated, is in the page cache.
    direct::execute(
        conn,
        "UPDATE tenants SET event_seq = event_seq + 1 WHERE id = $1",
        &[Arg::Text(tenant_id)],
    )?;
    // No such tenant: nothing was updated, and nothing is found here.
    let First(seq) = direct::query_opt(
        conn,
        "SELECT event_seq FROM tenants WHERE id = $1",
        &[Arg::Text(tenant_id)],
        |row| direct::FromCols::from_cols(row),
    )?
    .ok_or(sqlx::Error::RowNotFound)?;
    direct::execute(
        conn,
        "INSERT INTO events (tenant_id, seq, session_id, conversation_id, kind, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Arg::Text(tenant_id),
            Arg::Int(seq),
            session_id.into(),
            event.conversation_id().into(),
            Arg::Text(event.kind()),
            Arg::Text(&payload),
            Arg::Int(now_ms()),
        ],
    )?;
    Ok(seq)
}

fn from_row(row: &AnyRow) -> sqlx::Result<StoredEvent> {
    let seq: i64 = row.try_get("seq")?;
    let payload: String = row.try_get("payload")?;
    let event: DashboardEvent =
        serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let envelope = EventEnvelope {
        seq,
        at: row.try_get("created_at")?,
        event,
    };
    let frame = serde_json::to_string(&SocketFrame::Event {
        envelope: envelope.clone(),
    })
    .map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(StoredEvent {
        seq,
        session_id: row.try_get("session_id")?,
        envelope,
        frame: frame.into(),
    })
}

const COLUMNS: &str = "seq, session_id, payload, created_at";

/// Up to `limit` events of the tenant after `after`, in order.
pub async fn after(
    db: &Db,
    tenant_id: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
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
        "SELECT {COLUMNS} FROM events
          WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 AND kind = 'settings_changed'
          ORDER BY seq LIMIT $4"
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
pub async fn for_session_after(
    db: &Db,
    tenant_id: &str,
    session_id: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Arc<StoredEvent>>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE session_id = $1 AND tenant_id = $2 AND seq > $3
         ORDER BY seq LIMIT $4"
    );
    let query = sqlx::query(&sql)
        .bind(session_id)
        .bind(tenant_id)
        .bind(after)
        .bind(limit);
    read(query, db).await
}

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
/// the store for long; answers how many.
pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let deleted = sqlx::query(
            "DELETE FROM events WHERE (tenant_id, seq) IN
               (SELECT tenant_id, seq FROM events WHERE created_at < $1 LIMIT 5000)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        total += deleted;
        if deleted < 5000 {
            return Ok(total);
        }
    }
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
