//! The origins each tenant allows its widget on (`allowed_origins`). The matching rules are
//! [`shared::origin`]'s, written down there and shared with the dashboard: scheme, host and port
//! exact (default ports normalised), `https://*.example.com` for every subdomain of
//! `example.com` but not `example.com` itself, no bare `*`, no path, query or user info. An
//! empty list allows no site. The widget API keeps the list in memory (`widget_api::access`) and
//! drops it on every change: at once on this instance, on the others when the change's event
//! reaches them.

use shared::dashboard::{DashboardEvent, SettingsArea};
use shared::origin::AllowedOrigin;

use crate::audit::{self, Actor};
use crate::db::Db;

/// The tenant's origins as stored (normalised), sorted.
pub async fn allowed_origins(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT origin FROM allowed_origins WHERE tenant_id = $1 ORDER BY origin")
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await
}

/// Adds an origin to a tenant's list (no-op when present), without an audit entry: for the
/// demo seed and scripted set-ups.
pub async fn allow_origin(db: &Db, tenant_id: &str, origin: &str) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO allowed_origins (tenant_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id)
    .bind(normalize_origin(origin))
    .execute(&mut *tx)
    .await?;
    // No audit entry, but caches of the tenant's origins must still hear of it.
    let event = DashboardEvent::SettingsChanged {
        area: SettingsArea::Domains,
    };
    tx.record_event(tenant_id, None, &event).await?;
    tx.commit().await
}

/// The stored form of an origin: [`AllowedOrigin`]'s normal form when it parses, else trimmed
/// and lower-cased (such an entry then allows nothing, see [`origin_allowed`]).
pub fn normalize_origin(origin: &str) -> String {
    AllowedOrigin::parse(origin).map_or_else(
        |_| origin.trim().trim_end_matches('/').to_lowercase(),
        |o| o.as_str().to_owned(),
    )
}

/// Whether a browser's `Origin` is allowed by any of the stored entries.
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    shared::origin::origin_allowed(allowed, origin)
}

/// Adds `origin` with an audit entry; `false` when it was already on the list.
pub async fn add(
    db: &Db,
    tenant_id: &str,
    origin: &AllowedOrigin,
    actor: Actor<'_>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let added = sqlx::query(
        "INSERT INTO allowed_origins (tenant_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id)
    .bind(origin.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !added {
        return Ok(false);
    }
    let change = audit::Change {
        area: SettingsArea::Domains,
        action: "domain.added",
        target: origin.as_str(),
        before: None,
        after: Some(serde_json::json!({ "origin": origin.as_str() })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(true)
}

/// Removes the stored `origin` (normalised form) with an audit entry; `false` when absent.
pub async fn remove(
    db: &Db,
    tenant_id: &str,
    origin: &str,
    actor: Actor<'_>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let removed = sqlx::query("DELETE FROM allowed_origins WHERE tenant_id = $1 AND origin = $2")
        .bind(tenant_id)
        .bind(origin)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !removed {
        return Ok(false);
    }
    let change = audit::Change {
        area: SettingsArea::Domains,
        action: "domain.removed",
        target: origin,
        before: Some(serde_json::json!({ "origin": origin })),
        after: None,
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_origins_match_by_the_shared_rules() {
        let allowed = vec![normalize_origin("https://SHOP.example.com/")];
        assert_eq!(allowed[0], "https://shop.example.com");
        assert!(origin_allowed(&allowed, "https://shop.example.com"));
        assert!(!origin_allowed(&allowed, "https://evil.example.com"));
        assert!(!origin_allowed(&allowed, "http://shop.example.com"));
        assert!(!origin_allowed(&allowed, "https://shop.example.com:8443"));
        // A `*` stored before the rules existed allows nothing.
        assert!(!origin_allowed(&["*".to_owned()], "https://anything.test"));
    }
}
