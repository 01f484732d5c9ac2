//! Where a workspace's intents are kept: one row per intent in `workspace_intents` (its key,
//! label, example phrases as a JSON array, and position in the list). No rows: the
//! [`default_intents`]. [`save`] replaces the whole list in one transaction with an audit
//! entry (`intents.updated`) and a `settings_changed { intents }` event, so every server
//! instance knows to retrain.

use serde_json::{json, Value};
use shared::dashboard::SettingsArea;
use sqlx::Row;

use super::{default_intents, Intent};
use crate::audit::{self, Actor};
use crate::db::{now_ms, Db};

/// The audit entry lists every phrase while the whole list has at most this many; past it, only
/// each intent's example count.
const AUDIT_MAX_PHRASES: usize = 40;

/// The workspace's intents in their saved order; the defaults when it never saved any. An
/// intent whose stored examples no longer read (it should not happen) keeps none, logged.
pub async fn load(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<Intent>> {
    let rows = sqlx::query(
        "SELECT key, label, examples FROM workspace_intents
         WHERE tenant_id = $1 ORDER BY position, key",
    )
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(default_intents());
    }
    rows.iter()
        .map(|row| {
            let key: String = row.try_get("key")?;
            let examples: String = row.try_get("examples")?;
            let examples = serde_json::from_str(&examples).unwrap_or_else(|error| {
                tracing::warn!(tenant = %tenant_id, %key, %error, "stored intent examples do not read");
                Vec::new()
            });
            Ok(Intent {
                key,
                label: row.try_get("label")?,
                examples,
            })
        })
        .collect()
}

/// Replaces the workspace's intents (already validated) with `intents`, in this order,
/// audited as `intents.updated` with the list before and after.
pub async fn save(
    db: &Db,
    tenant_id: &str,
    intents: &[Intent],
    actor: Actor<'_>,
) -> sqlx::Result<()> {
    let before = load(db, tenant_id).await?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM workspace_intents WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    for (position, intent) in intents.iter().enumerate() {
        let examples = serde_json::to_string(&intent.examples)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO workspace_intents (tenant_id, key, label, examples, position, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(&intent.key)
        .bind(&intent.label)
        .bind(examples)
        .bind(position as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let change = audit::Change {
        area: SettingsArea::Intents,
        action: "intents.updated",
        target: "intents",
        before: Some(summary(&before)),
        after: Some(summary(intents)),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await
}

/// A list as the audit log keeps it: each intent's key, label and example count, and its
/// phrases too while the whole list is short enough to read.
pub fn summary(intents: &[Intent]) -> Value {
    let phrases: usize = intents.iter().map(|i| i.examples.len()).sum();
    let entries: Vec<Value> = intents
        .iter()
        .map(|intent| {
            let mut entry = json!({
                "key": intent.key,
                "label": intent.label,
                "examples": intent.examples.len(),
            });
            if phrases <= AUDIT_MAX_PHRASES {
                entry["phrases"] = json!(intent.examples);
            }
            entry
        })
        .collect();
    json!({ "intents": entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(key: &str, examples: usize) -> Intent {
        Intent {
            key: key.into(),
            label: key.to_uppercase(),
            examples: (0..examples).map(|i| format!("{key} phrase {i}")).collect(),
        }
    }

    #[test]
    fn a_short_list_is_audited_with_its_phrases_a_long_one_with_counts_only() {
        let short = summary(&[intent("returns", 3), intent("general", 2)]);
        assert_eq!(short["intents"][0]["key"], "returns");
        assert_eq!(short["intents"][0]["examples"], 3);
        assert_eq!(short["intents"][1]["phrases"][1], "general phrase 1");

        let long = summary(&default_intents());
        let entries = long["intents"].as_array().unwrap();
        assert_eq!(entries.len(), default_intents().len());
        assert!(entries.iter().all(|e| e.get("phrases").is_none()));
        assert!(entries.iter().all(|e| e["examples"].as_u64().unwrap() > 0));
    }
}
