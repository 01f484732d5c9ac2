//! The `workspace_ai_settings` table: handoff settings and business hours, one row per tenant
//! once saved (none: the defaults).

use shared::dashboard::SettingsArea;
use shared::routing::{HandoffSettings, MessageStyle, RuleView};
use sqlx::Row;

use super::{json_list, list_rules, to_json};
use crate::audit::{self, Actor};
use crate::db::{decode_error, now_ms, Db};
use crate::routing::BusinessHours;

/// What the reply pipeline needs to route a tenant's messages, read in one go.
#[derive(Debug, Clone)]
pub struct RoutingConfig {
    /// In evaluation order.
    pub rules: Vec<RuleView>,
    pub handoff: HandoffSettings,
    pub hours: BusinessHours,
}

/// The tenant's rules, handoff settings and business hours (none unless the workspace turned
/// them on; a time zone no longer known reads as UTC). Cache it per tenant and drop it on `settings_changed { area: routing }`.
pub async fn load_config(db: &Db, tenant_id: &str) -> sqlx::Result<RoutingConfig> {
    let rules = list_rules(db, tenant_id).await?;
    let handoff = load_settings(db, tenant_id).await?;
    let hours = BusinessHours::from_settings(&handoff);
    Ok(RoutingConfig {
        rules,
        handoff,
        hours,
    })
}

/// The tenant's handoff settings and business hours; the defaults when never saved.
pub async fn load_settings(db: &Db, tenant_id: &str) -> sqlx::Result<HandoffSettings> {
    read_settings(&db.pool, tenant_id).await
}

async fn read_settings<'e, E>(executor: E, tenant_id: &str) -> sqlx::Result<HandoffSettings>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT handoff_enabled, max_handoffs, failures_before_human, message_style,
                handoff_template, business_hours_enabled, time_zone, weekly_hours
           FROM workspace_ai_settings WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else {
        return Ok(HandoffSettings::default());
    };
    let small = |column: &str| -> sqlx::Result<u8> {
        let value: i64 = row.try_get(column)?;
        u8::try_from(value).map_err(|_| decode_error(column, &value.to_string()))
    };
    let style: String = row.try_get("message_style")?;
    Ok(HandoffSettings {
        handoff_enabled: row.try_get::<i64, _>("handoff_enabled")? == 1,
        max_handoffs: small("max_handoffs")?,
        failures_before_human: small("failures_before_human")?,
        message_style: MessageStyle::parse(&style)
            .ok_or_else(|| decode_error("message_style", &style))?,
        handoff_template: row.try_get("handoff_template")?,
        business_hours_enabled: row.try_get::<i64, _>("business_hours_enabled")? == 1,
        time_zone: row.try_get("time_zone")?,
        weekly_hours: json_list(&row, "weekly_hours")?,
    })
}

/// Saves the settings (the time zone already checked); a save that changes nothing writes
/// nothing.
pub async fn save_settings(
    db: &Db,
    tenant_id: &str,
    settings: &HandoffSettings,
    actor: Actor<'_>,
) -> sqlx::Result<HandoffSettings> {
    let mut tx = db.begin_write().await?;
    // Read inside the write transaction, so the audit's "before" is what this save replaced.
    let before = read_settings(&mut *tx, tenant_id).await?;
    if &before == settings {
        tx.rollback().await?;
        return Ok(before);
    }
    sqlx::query(
        "INSERT INTO workspace_ai_settings
             (tenant_id, handoff_enabled, max_handoffs, failures_before_human, message_style,
              handoff_template, business_hours_enabled, time_zone, weekly_hours, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id) DO UPDATE SET
             handoff_enabled = excluded.handoff_enabled,
             max_handoffs = excluded.max_handoffs,
             failures_before_human = excluded.failures_before_human,
             message_style = excluded.message_style,
             handoff_template = excluded.handoff_template,
             business_hours_enabled = excluded.business_hours_enabled,
             time_zone = excluded.time_zone,
             weekly_hours = excluded.weekly_hours,
             updated_at = excluded.updated_at",
    )
    .bind(tenant_id)
    .bind(i64::from(settings.handoff_enabled))
    .bind(i64::from(settings.max_handoffs))
    .bind(i64::from(settings.failures_before_human))
    .bind(settings.message_style.as_str())
    .bind(&settings.handoff_template)
    .bind(i64::from(settings.business_hours_enabled))
    .bind(&settings.time_zone)
    .bind(to_json(&settings.weekly_hours))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Routing,
        action: "handoff_settings.updated",
        target: "handoff settings",
        before: audit::json(&before.to_form()),
        after: audit::json(&settings.to_form()),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(settings.clone())
}
