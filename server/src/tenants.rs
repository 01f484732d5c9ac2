//! Tenants (the businesses that embed the widget), their allowed origins and their widget tokens.
//!
//! A widget token is public (it sits in the embed snippet) but scoped: one tenant, revocable,
//! optionally expiring. Only its SHA-256 is stored, so a leaked database leaks no usable token.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{new_id, now_ms, Db};

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub company_name: String,
    pub primary_color: String,
}

/// What it takes to create a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// A chosen id (e.g. `demo`), or `None` for a random one.
    pub id: Option<String>,
    pub name: String,
    pub company_name: String,
    pub primary_color: String,
    /// Origins (`scheme://host[:port]`) allowed to call the widget API; `*` allows any.
    pub allowed_origins: Vec<String>,
}

pub async fn create_tenant(db: &Db, new: &NewTenant) -> sqlx::Result<Tenant> {
    let tenant = Tenant {
        id: new.id.clone().unwrap_or_else(|| new_id("tn")),
        name: new.name.clone(),
        company_name: new.company_name.clone(),
        primary_color: new.primary_color.clone(),
    };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO tenants (id, name, company_name, primary_color, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&tenant.id)
    .bind(&tenant.name)
    .bind(&tenant.company_name)
    .bind(&tenant.primary_color)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    for origin in &new.allowed_origins {
        sqlx::query("INSERT INTO allowed_origins (tenant_id, origin) VALUES ($1, $2)")
            .bind(&tenant.id)
            .bind(normalize_origin(origin))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(tenant)
}

pub async fn find_tenant(db: &Db, id: &str) -> sqlx::Result<Option<Tenant>> {
    let row =
        sqlx::query("SELECT id, name, company_name, primary_color FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| {
        Ok(Tenant {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            company_name: r.try_get("company_name")?,
            primary_color: r.try_get("primary_color")?,
        })
    })
    .transpose()
}

pub async fn allowed_origins(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT origin FROM allowed_origins WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await
}

/// Adds an origin to a tenant's list (no-op when present).
pub async fn allow_origin(db: &Db, tenant_id: &str, origin: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO allowed_origins (tenant_id, origin) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id)
    .bind(normalize_origin(origin))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Browsers send `Origin` as `scheme://host[:port]`, lower-case, without a trailing slash.
pub fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    let origin = normalize_origin(origin);
    allowed.iter().any(|a| a == "*" || *a == origin)
}

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

pub async fn issue_widget_token(
    db: &Db,
    tenant_id: &str,
    label: &str,
    expires_at_ms: Option<i64>,
) -> sqlx::Result<IssuedToken> {
    let token = format!(
        "wt_{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    );
    let id = new_id("tok");
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
    .execute(&db.pool)
    .await?;
    Ok(IssuedToken { id, token })
}

pub async fn revoke_widget_token(db: &Db, tenant_id: &str, token_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE widget_tokens SET revoked_at = $1
         WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(token_id)
    .bind(tenant_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant a token belongs to, if the token is known, not revoked and not expired.
pub async fn tenant_of_token(db: &Db, token: &str) -> sqlx::Result<Option<String>> {
    let row = sqlx::query(
        "SELECT tenant_id, expires_at, revoked_at FROM widget_tokens WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: Option<i64> = row.try_get("expires_at")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    let live = revoked_at.is_none() && expires_at.is_none_or(|t| t > now_ms());
    live.then(|| row.try_get("tenant_id")).transpose()
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_after_normalising_or_by_wildcard() {
        let allowed = vec!["https://shop.example.com".to_owned()];
        assert!(origin_allowed(&allowed, "https://SHOP.example.com/"));
        assert!(!origin_allowed(&allowed, "https://evil.example.com"));
        assert!(!origin_allowed(&allowed, "http://shop.example.com"));
        assert!(!origin_allowed(&allowed, "https://shop.example.com:8443"));
        assert!(origin_allowed(&["*".to_owned()], "https://anything.test"));
    }

    #[test]
    fn issued_tokens_do_not_debug_print_their_secret() {
        let t = IssuedToken {
            id: "tok_1".into(),
            token: "wt_secret".into(),
        };
        assert!(!format!("{t:?}").contains("wt_secret"));
    }
}
