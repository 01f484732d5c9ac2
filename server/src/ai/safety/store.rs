//! Where a workspace's [`SafetySettings`] are kept: one JSON row per workspace (no row: the
//! defaults). Saving writes an audit entry and a `settings_changed { safety }` event in the same
//! transaction.

use shared::dashboard::SettingsArea;

use super::SafetySettings;
use crate::audit::{self, Actor};
use crate::db::{now_ms, Db};

/// The workspace's settings; the defaults when it never saved any (or, logged, when the stored
/// JSON no longer reads: every field has a default, so it should not happen).
pub async fn load(db: &Db, tenant_id: &str) -> sqlx::Result<SafetySettings> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT settings FROM safety_settings WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(json.map_or_else(SafetySettings::default, |json| {
        serde_json::from_str(&json).unwrap_or_else(|error| {
            tracing::warn!(tenant = %tenant_id, %error, "stored safety settings do not read; using the defaults");
            SafetySettings::default()
        })
    }))
}

/// Replaces the workspace's settings (already validated), audited as `safety.updated` with
/// the settings before and after.
pub async fn save(
    db: &Db,
    tenant_id: &str,
    settings: &SafetySettings,
    actor: Actor<'_>,
) -> sqlx::Result<()> {
    let before = load(db, tenant_id).await?;
    let json = serde_json::to_string(settings).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO safety_settings (tenant_id, settings, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings,
                                               updated_at = excluded.updated_at",
    )
    .bind(tenant_id)
    .bind(&json)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Safety,
        action: "safety.updated",
        target: "content safety",
        before: audit::json(&before),
        after: audit::json(settings),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await
}
