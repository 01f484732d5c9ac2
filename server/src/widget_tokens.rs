//! Widget tokens: what the embed snippet carries to call the widget API. A token is public (it
//! sits in the customer's page) but scoped: one tenant, revocable, optionally expiring. Only its
//! SHA-256 is stored, so a leaked database leaks no usable token, and the plain token is shown
//! once, to the admin who issued it.
//!
//! The widget API keeps each tenant's live tokens in memory (`widget_api::access`), dropped on
//! every change of them: revoking refuses the token at once on this instance and on the others
//! as soon as the change's event reaches them; the open event streams end too (see
//! `widget_api::events`). `last_used_at` is written at most
//! once a minute per token, not on every request.

use sha2::{Digest, Sha256};
use shared::dashboard::{DashboardEvent, SettingsArea};
use shared::widget_settings::WidgetTokenView;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, Actor};
use crate::db::{new_id, now_ms, Db};

/// How stale `last_used_at` may get before a use writes it again.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A freshly issued token: the plain text is shown once, to whoever asked for it.
#[derive(Clone)]
pub struct IssuedToken {
    pub id: String,
    pub token: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("id", &self.id)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// A token that is known, not revoked and not expired.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub id: String,
    pub tenant_id: String,
    last_used_at: Option<i64>,
}

fn new_token() -> String {
    format!(
        "wt_{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    )
}

/// Issues a token without an audit entry: for the demo seed, scripted set-ups and tests.
pub async fn issue_widget_token(
    db: &Db,
    tenant_id: &str,
    label: &str,
    expires_at_ms: Option<i64>,
) -> sqlx::Result<IssuedToken> {
    let token = new_token();
    let id = new_id("tok");
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO widget_tokens (id, tenant_id, token_hash, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(hash_token(&token))
    .bind(label)
    .bind(now_ms())
    .bind(expires_at_ms)
    .execute(&mut *tx)
    .await?;
    // No audit entry, but caches of the tenant's tokens must still hear of it.
    let event = DashboardEvent::SettingsChanged {
        area: SettingsArea::Tokens,
    };
    tx.record_event(tenant_id, None, &event).await?;
    tx.commit().await?;
    Ok(IssuedToken { id, token })
}

/// Issues a token valid for `expires_in_days` (`None`: forever), logged as `token.issued`
/// (label and id only). Answers the list row and the plain token.
pub async fn issue(
    db: &Db,
    tenant_id: &str,
    label: &str,
    expires_in_days: Option<i64>,
    actor: Actor<'_>,
) -> sqlx::Result<(WidgetTokenView, IssuedToken)> {
    let token = new_token();
    let now = now_ms();
    let view = WidgetTokenView {
        id: new_id("tok"),
        label: label.to_owned(),
        created_at: now,
        last_used_at: None,
        expires_at: expires_in_days.map(|d| now + d * DAY_MS),
        revoked_at: None,
    };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO widget_tokens (id, tenant_id, token_hash, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&view.id)
    .bind(tenant_id)
    .bind(hash_token(&token))
    .bind(&view.label)
    .bind(view.created_at)
    .bind(view.expires_at)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Tokens,
        action: "token.issued",
        target: label,
        before: None,
        after: Some(serde_json::json!({
            "id": view.id, "label": view.label, "expiresAt": view.expires_at,
        })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    let issued = IssuedToken {
        id: view.id.clone(),
        token,
    };
    Ok((view, issued))
}

const COLUMNS: &str = "id, label, created_at, last_used_at, expires_at, revoked_at";

fn view_from_row(r: &AnyRow) -> sqlx::Result<WidgetTokenView> {
    Ok(WidgetTokenView {
        id: r.try_get("id")?,
        label: r.try_get("label")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// The tenant's tokens, newest first.
pub async fn list(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<WidgetTokenView>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM widget_tokens WHERE tenant_id = $1 ORDER BY created_at DESC, id"
    ))
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(view_from_row).collect()
}

/// Revokes the tenant's token `token_id`, logged as `token.revoked`. Answers the row (already
/// revoked: unchanged, nothing logged), or `None` when the tenant has no such token.
pub async fn revoke(
    db: &Db,
    tenant_id: &str,
    token_id: &str,
    actor: Actor<'_>,
) -> sqlx::Result<Option<WidgetTokenView>> {
    let mut tx = db.begin_write().await?;
    let select = format!("SELECT {COLUMNS} FROM widget_tokens WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&select)
        .bind(token_id)
        .bind(tenant_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(mut view) = row.as_ref().map(view_from_row).transpose()? else {
        return Ok(None);
    };
    if view.revoked_at.is_some() {
        return Ok(Some(view));
    }
    let now = now_ms();
    sqlx::query("UPDATE widget_tokens SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(now)
        .bind(token_id)
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    view.revoked_at = Some(now);
    let change = audit::Change {
        area: SettingsArea::Tokens,
        action: "token.revoked",
        target: &view.label,
        before: Some(serde_json::json!({ "id": view.id, "label": view.label })),
        after: Some(serde_json::json!({ "id": view.id, "label": view.label, "revokedAt": now })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(Some(view))
}

/// [`revoke`] by the command line; `true` when the token was live until now.
pub async fn revoke_widget_token(db: &Db, tenant_id: &str, token_id: &str) -> sqlx::Result<bool> {
    let before = live_by_id(db, tenant_id, token_id).await?;
    let after = revoke(db, tenant_id, token_id, Actor::CLI).await?;
    Ok(before && after.is_some())
}

/// The token, if it is known, not revoked and not expired.
pub async fn live_token(db: &Db, token: &str) -> sqlx::Result<Option<LiveToken>> {
    let row = sqlx::query(
        "SELECT id, tenant_id, expires_at, revoked_at, last_used_at
           FROM widget_tokens WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: Option<i64> = row.try_get("expires_at")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    if revoked_at.is_some() || expires_at.is_some_and(|t| t <= now_ms()) {
        return Ok(None);
    }
    Ok(Some(LiveToken {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        last_used_at: row.try_get("last_used_at")?,
    }))
}

/// The tenant a token belongs to, if the token is known, not revoked and not expired.
pub async fn tenant_of_token(db: &Db, token: &str) -> sqlx::Result<Option<String>> {
    Ok(live_token(db, token).await?.map(|t| t.tenant_id))
}

/// Whether the tenant's token `token_id` is still live (an open event stream asks this when
/// the tenant's tokens change).
pub async fn live_by_id(db: &Db, tenant_id: &str, token_id: &str) -> sqlx::Result<bool> {
    let row = sqlx::query(
        "SELECT expires_at, revoked_at FROM widget_tokens WHERE id = $1 AND tenant_id = $2",
    )
    .bind(token_id)
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let expires_at: Option<i64> = row.try_get("expires_at")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    Ok(revoked_at.is_none() && expires_at.is_none_or(|t| t > now_ms()))
}

/// A tenant's token as the widget API's access cache keeps it.
pub struct TokenRow {
    pub id: String,
    /// SHA-256 of the token's text, hex.
    pub hash: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// The tenant's tokens that are not revoked (expired ones included: expiry is checked on use).
pub async fn live_rows(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<TokenRow>> {
    let rows = sqlx::query(
        "SELECT id, token_hash, expires_at, last_used_at
           FROM widget_tokens WHERE tenant_id = $1 AND revoked_at IS NULL",
    )
    .bind(tenant_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenRow {
                id: r.try_get("id")?,
                hash: r.try_get("token_hash")?,
                expires_at: r.try_get("expires_at")?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Whether a use recorded at `last_used_at` (0: never) is old enough to be written again.
pub fn use_is_stale(last_used_at: i64, now: i64) -> bool {
    last_used_at <= now - LAST_USED_GRANULARITY_MS
}

/// Records that the token was just used, unless that was already recorded within the last
/// minute (then nothing is written). Concurrent uses on several instances write once: the
/// condition is checked again in the `UPDATE`.
pub async fn record_use(db: &Db, token: &LiveToken) -> sqlx::Result<()> {
    let now = now_ms();
    if !use_is_stale(token.last_used_at.unwrap_or(0), now) {
        return Ok(());
    }
    record_use_at(db, &token.id, now).await
}

/// Writes `now` as the token's last use, unless another use within the last minute did.
pub async fn record_use_at(db: &Db, token_id: &str, now: i64) -> sqlx::Result<()> {
    let stale_before = now - LAST_USED_GRANULARITY_MS;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE widget_tokens SET last_used_at = $1
          WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(now)
    .bind(token_id)
    .bind(stale_before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_do_not_debug_print_their_secret() {
        let t = IssuedToken {
            id: "tok_1".into(),
            token: "wt_secret".into(),
        };
        assert!(!format!("{t:?}").contains("wt_secret"));
    }
}
