//! The `routing_rules` table: list, create, update, delete, reorder.

use shared::dashboard::SettingsArea;
use shared::routing::{RuleSettings, RuleTarget, RuleView, TimeWindow};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{json_list, to_json, RoutingError};
use crate::assistants::for_update;
use crate::audit::{self, Actor};
use crate::db::{decode_error, new_id, now_ms, Db, WriteTx};

const RULE_COLUMNS: &str = "r.id, r.name, r.priority, r.active, r.keywords, r.intent, r.channels,
    r.time_window, r.target_kind, r.target_assistant_id, r.position, r.created_at, r.updated_at,
    a.name AS target_name";

/// Joins the target's name, when it is a live assistant of the same tenant.
const RULE_FROM: &str = "routing_rules r LEFT JOIN assistants a
    ON a.id = r.target_assistant_id AND a.tenant_id = r.tenant_id AND a.deleted_at IS NULL";

fn rule_from_row(row: &AnyRow) -> sqlx::Result<RuleView> {
    let window: String = row.try_get("time_window")?;
    let kind: String = row.try_get("target_kind")?;
    let target_id: Option<String> = row.try_get("target_assistant_id")?;
    let target = match (kind.as_str(), target_id) {
        ("assistant", Some(assistant_id)) => RuleTarget::Assistant { assistant_id },
        ("human", _) => RuleTarget::Human,
        _ => return Err(decode_error("target_kind", &kind)),
    };
    Ok(RuleView {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        priority: u8::try_from(row.try_get::<i64, _>("priority")?).unwrap_or_default(),
        active: row.try_get::<i64, _>("active")? == 1,
        keywords: json_list(row, "keywords")?,
        intent: row.try_get("intent")?,
        channels: json_list(row, "channels")?,
        time_window: TimeWindow::parse(&window)
            .ok_or_else(|| decode_error("time_window", &window))?,
        target,
        target_name: row.try_get("target_name")?,
        position: row.try_get("position")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn settings_of(rule: &RuleView) -> RuleSettings {
    RuleSettings {
        name: rule.name.clone(),
        priority: rule.priority,
        active: rule.active,
        keywords: rule.keywords.clone(),
        intent: rule.intent.clone(),
        channels: rule.channels.clone(),
        time_window: rule.time_window,
        target: rule.target.clone(),
    }
}

/// The tenant's rules in evaluation order: priority (higher first), then position.
pub async fn list_rules(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<RuleView>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM {RULE_FROM}
          WHERE r.tenant_id = $1 ORDER BY r.priority DESC, r.position, r.created_at, r.id"
    );
    sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(rule_from_row)
        .collect()
}

async fn rule_in_tx(
    tx: &mut WriteTx,
    tenant_id: &str,
    rule_id: &str,
) -> Result<RuleView, RoutingError> {
    let sql =
        format!("SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE r.id = $1 AND r.tenant_id = $2");
    let row = sqlx::query(&sql)
        .bind(rule_id)
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref()
        .map(rule_from_row)
        .transpose()?
        .ok_or(RoutingError::NotFound)
}

/// Locks the rule row for the change (PostgreSQL; SQLite's write lock is already held).
async fn lock_rule(
    tx: &mut WriteTx,
    db: &Db,
    tenant_id: &str,
    rule_id: &str,
) -> Result<(), RoutingError> {
    let sql = format!(
        "SELECT id FROM routing_rules WHERE id = $1 AND tenant_id = $2{}",
        for_update(db.backend)
    );
    let found: Option<String> = sqlx::query_scalar(&sql)
        .bind(rule_id)
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
    found.map(|_| ()).ok_or(RoutingError::NotFound)
}

/// The target assistant must be one of the tenant's live assistants.
async fn check_target(
    tx: &mut WriteTx,
    tenant_id: &str,
    target: &RuleTarget,
) -> Result<(), RoutingError> {
    let RuleTarget::Assistant { assistant_id } = target else {
        return Ok(());
    };
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM assistants WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
    )
    .bind(assistant_id)
    .bind(tenant_id)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|_| ()).ok_or(RoutingError::UnknownAssistant)
}

fn target_columns(target: &RuleTarget) -> (&'static str, Option<&str>) {
    match target {
        RuleTarget::Assistant { assistant_id } => ("assistant", Some(assistant_id.as_str())),
        RuleTarget::Human => ("human", None),
    }
}

/// Adds a rule after the tenant's others of any priority (position = last + 1).
pub async fn create_rule(
    db: &Db,
    tenant_id: &str,
    rule: &RuleSettings,
    actor: Actor<'_>,
) -> Result<RuleView, RoutingError> {
    let mut tx = db.begin_write().await?;
    check_target(&mut tx, tenant_id, &rule.target).await?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(position) FROM routing_rules WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut *tx)
            .await?;
    let id = new_id("rr");
    let now = now_ms();
    let (kind, target_id) = target_columns(&rule.target);
    sqlx::query(
        "INSERT INTO routing_rules
             (id, tenant_id, name, priority, active, keywords, intent, channels, time_window,
              target_kind, target_assistant_id, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&rule.name)
    .bind(i64::from(rule.priority))
    .bind(i64::from(rule.active))
    .bind(to_json(&rule.keywords))
    .bind(rule.intent.as_deref())
    .bind(to_json(&rule.channels))
    .bind(rule.time_window.as_str())
    .bind(kind)
    .bind(target_id)
    .bind(last.map_or(0, |p| p + 1))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Routing,
        action: "routing_rule.created",
        target: &rule.name,
        before: None,
        after: audit::json(rule),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    let created = rule_in_tx(&mut tx, tenant_id, &id).await?;
    tx.commit().await?;
    Ok(created)
}

/// Replaces a rule's settings (its position stays); a save that changes nothing writes nothing.
pub async fn update_rule(
    db: &Db,
    tenant_id: &str,
    rule_id: &str,
    rule: &RuleSettings,
    actor: Actor<'_>,
) -> Result<RuleView, RoutingError> {
    let mut tx = db.begin_write().await?;
    lock_rule(&mut tx, db, tenant_id, rule_id).await?;
    let current = rule_in_tx(&mut tx, tenant_id, rule_id).await?;
    let before = settings_of(&current);
    if &before == rule {
        tx.rollback().await?;
        return Ok(current);
    }
    check_target(&mut tx, tenant_id, &rule.target).await?;
    let (kind, target_id) = target_columns(&rule.target);
    sqlx::query(
        "UPDATE routing_rules
            SET name = $1, priority = $2, active = $3, keywords = $4, intent = $5, channels = $6,
                time_window = $7, target_kind = $8, target_assistant_id = $9, updated_at = $10
          WHERE id = $11 AND tenant_id = $12",
    )
    .bind(&rule.name)
    .bind(i64::from(rule.priority))
    .bind(i64::from(rule.active))
    .bind(to_json(&rule.keywords))
    .bind(rule.intent.as_deref())
    .bind(to_json(&rule.channels))
    .bind(rule.time_window.as_str())
    .bind(kind)
    .bind(target_id)
    .bind(now_ms())
    .bind(rule_id)
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Routing,
        action: "routing_rule.updated",
        target: &rule.name,
        before: audit::json(&before),
        after: audit::json(rule),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    let updated = rule_in_tx(&mut tx, tenant_id, rule_id).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete_rule(
    db: &Db,
    tenant_id: &str,
    rule_id: &str,
    actor: Actor<'_>,
) -> Result<(), RoutingError> {
    let mut tx = db.begin_write().await?;
    lock_rule(&mut tx, db, tenant_id, rule_id).await?;
    let current = rule_in_tx(&mut tx, tenant_id, rule_id).await?;
    sqlx::query("DELETE FROM routing_rules WHERE id = $1 AND tenant_id = $2")
        .bind(rule_id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    let change = audit::Change {
        area: SettingsArea::Routing,
        action: "routing_rule.deleted",
        target: &current.name,
        before: audit::json(&settings_of(&current)),
        after: None,
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets every rule's position from its place in `ids`, which must list each of the tenant's
/// rules exactly once. Answers the rules in evaluation order.
pub async fn reorder(
    db: &Db,
    tenant_id: &str,
    ids: &[String],
    actor: Actor<'_>,
) -> Result<Vec<RuleView>, RoutingError> {
    let mut tx = db.begin_write().await?;
    let sql = format!(
        "SELECT id, name FROM routing_rules WHERE tenant_id = $1 ORDER BY position, created_at, id{}",
        for_update(db.backend)
    );
    let current: Vec<(String, String)> = sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<sqlx::Result<_>>()?;
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != ids.len() {
        return Err(RoutingError::BadOrder("A rule is listed twice.".into()));
    }
    if let Some(unknown) = ids.iter().find(|id| !current.iter().any(|(c, _)| c == *id)) {
        return Err(RoutingError::BadOrder(format!(
            "{unknown:?} is not one of this workspace's rules."
        )));
    }
    if ids.len() != current.len() {
        return Err(RoutingError::BadOrder(
            "List every rule once, in the new order.".into(),
        ));
    }
    let name_of = |id: &str| {
        current
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let before: Vec<String> = current.iter().map(|(_, n)| n.clone()).collect();
    let after: Vec<String> = ids.iter().map(|id| name_of(id)).collect();
    if current.iter().map(|(id, _)| id).eq(ids.iter()) {
        tx.rollback().await?;
        return Ok(list_rules(db, tenant_id).await?);
    }
    let now = now_ms();
    for (position, id) in ids.iter().enumerate() {
        sqlx::query(
            "UPDATE routing_rules SET position = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4",
        )
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(now)
        .bind(id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    }
    let change = audit::Change {
        area: SettingsArea::Routing,
        action: "routing_rule.reordered",
        target: "routing rules",
        before: Some(serde_json::json!({ "order": before })),
        after: Some(serde_json::json!({ "order": after })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(list_rules(db, tenant_id).await?)
}
