//! The audit log: who changed which setting, when, from what to what.
//!
//! Every settings write goes through [`record`] inside its own [`WriteTx`] (other audited changes,
//! such as a client merge, through [`record_entry`] with their own event): the entry, the
//! change and a [`DashboardEvent::SettingsChanged`] event commit together or not at all. The event
//! is what makes a change live everywhere: other admin tabs reload that area of settings, and
//! every server instance (woken by the event log, on PostgreSQL by `pg_notify`) drops what it
//! cached of it. `before` and `after` hold plain JSON of the setting; never a secret or a token
//! (say "rotated", "issued" instead).

use serde::Serialize;
use serde_json::Value;
use shared::dashboard::{AuditEntry, DashboardEvent, SettingsArea};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{new_id, now_ms, Db, WriteTx};

/// Who made a change: a signed-in teammate, or the server itself (CLI, first-run set-up).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: Option<&'a str>,
    pub name: &'a str,
}

impl Actor<'static> {
    /// A change made from the command line.
    pub const CLI: Self = Self {
        user_id: None,
        name: "command line",
    };
}

/// One change, as [`record`] takes it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub area: SettingsArea,
    /// What was done, e.g. `token.issued`, `domain.removed`, `teammate.role_changed`.
    pub action: &'a str,
    /// What it was done to, as an admin would name it (an origin, a token label, an email).
    pub target: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// `serde_json::to_value` of a setting, for [`Change::before`] / [`Change::after`].
pub fn json<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Writes the entry and the `settings_changed` event inside `tx`.
pub async fn record(
    tx: &mut WriteTx,
    tenant_id: &str,
    actor: Actor<'_>,
    change: Change<'_>,
) -> sqlx::Result<()> {
    let event = DashboardEvent::SettingsChanged { area: change.area };
    let seq = tx.record_event(tenant_id, None, &event).await?;
    record_entry(tx, tenant_id, seq, actor, change).await
}

/// Writes the entry for a change whose own event (number `seq`, recorded in `tx`) tells the
/// dashboards what happened, e.g. a client merge: no `settings_changed`, which would drop every
/// cache for nothing.
pub async fn record_entry(
    tx: &mut WriteTx,
    tenant_id: &str,
    seq: i64,
    actor: Actor<'_>,
    change: Change<'_>,
) -> sqlx::Result<()> {
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    sqlx::query(
        "INSERT INTO audit_log
             (id, tenant_id, seq, actor_id, actor_name, area, action, target, before, after, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id("aud"))
    .bind(tenant_id)
    .bind(seq)
    .bind(actor.user_id)
    .bind(actor.name)
    .bind(change.area.as_str())
    .bind(change.action)
    .bind(change.target)
    .bind(text(change.before))
    .bind(text(change.after))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The tenant's entries, newest first: up to `limit` before the entry numbered `before_seq`.
pub async fn list(
    db: &Db,
    tenant_id: &str,
    before_seq: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT seq, actor_id, actor_name, area, action, target, before, after, created_at
           FROM audit_log
          WHERE tenant_id = $1 AND seq < $2
          ORDER BY seq DESC LIMIT $3",
    )
    .bind(tenant_id)
    .bind(before_seq.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

fn entry_from_row(row: &AnyRow) -> sqlx::Result<AuditEntry> {
    let parse = |column: &str| -> sqlx::Result<Option<Value>> {
        let text: Option<String> = row.try_get(column)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        area: row.try_get("area")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        before: parse("before")?,
        after: parse("after")?,
        at: row.try_get("created_at")?,
    })
}
