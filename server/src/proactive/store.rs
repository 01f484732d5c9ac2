//! Where proactive messages are kept: the workspace's settings as one JSON row (no row: off, no
//! rules; saving writes an audit entry and a `settings_changed { proactive }` event in the same
//! transaction), and the daily counts of what visitors did with each rule's bubble.

use shared::dashboard::SettingsArea;
use shared::proactive::{BubbleEvent, ProactiveSettingsView, RuleCounts};

use crate::audit::{self, Actor};
use crate::db::Db;
use crate::settings_rows::SettingsTable;

const DAY_MS: i64 = 86_400_000;

/// The UTC day (days since 1970-01-01) of a Unix-milliseconds instant.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

const TABLE: SettingsTable = SettingsTable("proactive_settings");

/// The workspace's settings; off with no rules when it never saved any.
pub async fn load(db: &Db, tenant_id: &str) -> sqlx::Result<ProactiveSettingsView> {
    TABLE.load(db, tenant_id).await
}

/// Replaces the workspace's settings (already normalised), audited as `proactive.updated` with
/// the settings before and after.
pub async fn save(
    db: &Db,
    tenant_id: &str,
    before: &ProactiveSettingsView,
    settings: &ProactiveSettingsView,
    actor: Actor<'_>,
) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    TABLE.store(&mut tx, tenant_id, settings).await?;
    let change = audit::Change {
        area: SettingsArea::Proactive,
        action: "proactive.updated",
        target: "proactive messages",
        before: audit::json(before),
        after: audit::json(settings),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await
}

/// Counts one bubble event of `rule_id` on the day of `at_ms`.
pub async fn count(
    db: &Db,
    tenant_id: &str,
    rule_id: &str,
    event: BubbleEvent,
    at_ms: i64,
) -> sqlx::Result<()> {
    let one = |e: BubbleEvent| i64::from(e == event);
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO proactive_counts (tenant_id, rule_id, day, shown, opened, dismissed)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, rule_id, day) DO UPDATE SET
             shown = proactive_counts.shown + excluded.shown,
             opened = proactive_counts.opened + excluded.opened,
             dismissed = proactive_counts.dismissed + excluded.dismissed",
    )
    .bind(tenant_id)
    .bind(rule_id)
    .bind(day_of(at_ms))
    .bind(one(BubbleEvent::Shown))
    .bind(one(BubbleEvent::Opened))
    .bind(one(BubbleEvent::Dismissed))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Each rule's counts over the `days` days up to and including the day of `now_ms`, by rule id.
pub async fn counts(
    db: &Db,
    tenant_id: &str,
    days: u32,
    now_ms: i64,
) -> sqlx::Result<Vec<RuleCounts>> {
    let since = day_of(now_ms) - i64::from(days) + 1;
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT rule_id, CAST(SUM(shown) AS BIGINT), CAST(SUM(opened) AS BIGINT),
                CAST(SUM(dismissed) AS BIGINT)
         FROM proactive_counts WHERE tenant_id = $1 AND day >= $2
         GROUP BY rule_id ORDER BY rule_id",
    )
    .bind(tenant_id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(rule_id, shown, opened, dismissed)| RuleCounts {
            rule_id,
            shown,
            opened,
            dismissed,
        })
        .collect())
}
