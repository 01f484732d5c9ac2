//! Passwords: reset links an admin issues (24 h, single use), and the signed-in user's own
//! password change and sign-out everywhere. Each ends sessions, and its audit entry's
//! `settings_changed` event makes open sockets re-check theirs.

use serde_json::json;
use shared::dashboard::SettingsArea;
use sqlx::{AnyConnection, Row};

use super::{actor_of, manageable, new_token, ttl_ms, LinkError, TeammateError, RESET_TTL};
use crate::accounts::{self, token_hash, Password, User};
use crate::audit::{self, Actor};
use crate::db::{now_ms, Db};

/// A password-reset link's token and when it stops working.
#[derive(Debug)]
pub struct ResetIssued {
    pub token: String,
    pub expires_at: i64,
}

/// Makes a single-use link with which the teammate sets a new password.
pub async fn issue_password_reset(
    db: &Db,
    actor: &User,
    target_id: &str,
) -> Result<ResetIssued, TeammateError> {
    let mut tx = db.begin_write().await?;
    let target = manageable(&mut tx, actor, target_id).await?;
    let token = new_token("pwr");
    let now = now_ms();
    let expires_at = now.saturating_add(ttl_ms(RESET_TTL));
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(target_id)
    .bind(&actor.id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.password_reset_issued",
        target: &target.email,
        before: None,
        after: Some(json!({ "expiresAt": expires_at })),
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    tx.commit().await?;
    Ok(ResetIssued { token, expires_at })
}

/// Whose password a reset link sets.
#[derive(Debug)]
pub struct ResetView {
    pub user_id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
}

async fn reset_by_token(conn: &mut AnyConnection, token: &str) -> Result<ResetView, LinkError> {
    let row = sqlx::query(
        "SELECT r.user_id, r.expires_at, r.used_at, u.tenant_id, u.name, u.email
           FROM password_resets r JOIN users u ON u.id = r.user_id
          WHERE r.token_hash = $1 AND u.disabled_at IS NULL",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LinkError::NotFound)?;
    let used_at: Option<i64> = row.try_get("used_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if used_at.is_some() {
        return Err(LinkError::Used);
    }
    if expires_at <= now_ms() {
        return Err(LinkError::Expired);
    }
    Ok(ResetView {
        user_id: row.try_get("user_id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
    })
}

/// The reset a link's token names, if it can still be used.
pub async fn password_reset(db: &Db, token: &str) -> Result<ResetView, LinkError> {
    let mut conn = db.pool.acquire().await?;
    reset_by_token(&mut conn, token).await
}

/// Sets the new password with a reset link (once) and ends every session of the user.
pub async fn use_password_reset(
    db: &Db,
    token: &str,
    password: &Password,
) -> Result<(), LinkError> {
    password_reset(db, token).await?;
    let hash = accounts::hash_off_the_runtime(password)
        .await
        .map_err(LinkError::Hash)?;
    let mut tx = db.begin_write().await?;
    let view = reset_by_token(&mut tx, token).await?;
    let claimed = sqlx::query(
        "UPDATE password_resets SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms())
    .bind(token_hash(token))
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(LinkError::Used);
    }
    set_password_in(&mut tx, &view.user_id, &hash, None).await?;
    let actor = Actor {
        user_id: Some(&view.user_id),
        name: &view.name,
    };
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.password_reset",
        target: &view.email,
        before: None,
        after: None,
    };
    audit::record(&mut tx, &view.tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_password_in(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    keep_session: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    accounts::revoke_sessions(conn, user_id, keep_session).await?;
    Ok(())
}

/// The signed-in user's new password (the current one already checked); their other sessions
/// end, the one with token `keep_session` stays.
pub async fn change_own_password(
    db: &Db,
    user: &User,
    keep_session: &str,
    new_password: &Password,
) -> Result<(), LinkError> {
    let hash = accounts::hash_off_the_runtime(new_password)
        .await
        .map_err(LinkError::Hash)?;
    let mut tx = db.begin_write().await?;
    set_password_in(&mut tx, &user.id, &hash, Some(keep_session)).await?;
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "account.password_changed",
        target: &user.email,
        before: None,
        after: None,
    };
    audit::record(&mut tx, &user.tenant_id, actor_of(user), change).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the user, this one included; their sockets close on every instance.
pub async fn sign_out_everywhere(db: &Db, user: &User) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    accounts::revoke_sessions(&mut tx, &user.id, None).await?;
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "account.signed_out_everywhere",
        target: &user.email,
        before: None,
        after: None,
    };
    audit::record(&mut tx, &user.tenant_id, actor_of(user), change).await?;
    tx.commit().await?;
    Ok(())
}
