//! Where a workspace's [`SafetySettings`] are kept: one JSON row per workspace (no row: the
//! defaults). Saving writes an audit entry and a `settings_changed { safety }` event in the same
//! transaction.

use shared::dashboard::SettingsArea;

use super::SafetySettings;
use crate::audit::{self, Actor};
use crate::db::Db;
use crate::settings_rows::SettingsTable;

const TABLE: SettingsTable = SettingsTable("safety_settings");

/// The workspace's settings; the defaults when it never saved any.
pub async fn load(db: &Db, tenant_id: &str) -> sqlx::Result<SafetySettings> {
    TABLE.load(db, tenant_id).await
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
    let mut tx = db.begin_write().await?;
    TABLE.store(&mut tx, tenant_id, settings).await?;
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
