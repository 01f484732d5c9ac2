//! Teammates (dashboard users) and their login sessions.
//!
//! Passwords are hashed with Argon2id (a random salt each, PHC string format). A login session is
//! a random 256-bit token in an HttpOnly cookie; only its SHA-256 is stored, so a leaked database
//! holds no usable session.
//!
//! Each Argon2 hash works in 19 MiB of memory (the crate's default cost). Hashes run on blocking
//! threads, at most one per core at a time ([`off_the_runtime`]): a burst of sign-ins waits its
//! turn instead of holding 19 MiB per request, which is what a flood of logins would otherwise
//! cost in memory (and, with more hashes than cores, gains no throughput).

use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use shared::dashboard::Role;
use shared::{Email, PersonName};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{decode_error, is_unique_violation, new_id, now_ms, Db};

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A password that meets the policy; never printed.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Hashing is deliberately slow: an unbounded input would be a way to burn CPU.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(s: &str) -> Result<Self, String> {
        let n = s.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!(
                "A password needs at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(format!(
                "A password can have at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("no tenant {0}")]
    NoTenant(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("hashing the password: {0}")]
    Hash(String),
}

pub fn hash_password(password: &Password) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.0.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Runs password hashing work on a blocking thread, no more at once than there are cores.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    // Never closed: acquiring fails only if it were.
    let _permit = HASHING.acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())
}

/// Compared against when the email is unknown, so a wrong email costs the same time as a wrong
/// password and response times do not tell which addresses have accounts.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        hash_password(&Password("not a real password, only for timing".to_owned()))
            .unwrap_or_default()
    })
}

pub async fn create_user(
    db: &Db,
    tenant_id: &str,
    email: &Email,
    name: &PersonName,
    role: Role,
    password: &Password,
) -> Result<User, CreateUserError> {
    let tenant_name: Option<String> =
        sqlx::query_scalar("SELECT company_name FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
    let tenant_name = tenant_name.ok_or_else(|| CreateUserError::NoTenant(tenant_id.to_owned()))?;
    let hash = {
        let password = Password(password.0.clone());
        off_the_runtime(move || hash_password(&password))
            .await
            .map_err(CreateUserError::Hash)?
            .map_err(CreateUserError::Hash)?
    };
    let id = new_id("usr");
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, tenant_id, email, email_normalized, name, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(email.as_str())
    .bind(email.normalized())
    .bind(name.as_str())
    .bind(role.as_str())
    .bind(&hash)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    let inserted = match inserted {
        Ok(done) => tx.commit().await.map(|()| done),
        Err(e) => Err(e),
    };
    match inserted {
        Ok(_) => Ok(User {
            id,
            tenant_id: tenant_id.to_owned(),
            tenant_name,
            email: email.as_str().to_owned(),
            name: name.as_str().to_owned(),
            role,
        }),
        Err(e) if is_unique_violation(&e) => Err(CreateUserError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// Hashes a password on a blocking thread (see [`off_the_runtime`]): do it before opening the
/// write transaction that stores it, so the transaction stays short.
pub async fn hash_off_the_runtime(password: &Password) -> Result<String, String> {
    let password = Password(password.0.clone());
    off_the_runtime(move || hash_password(&password)).await?
}

/// Inserts a user inside the caller's transaction and answers their id; a unique violation
/// (the email has an account) is the caller's to answer.
pub async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    tenant_id: &str,
    email: &Email,
    name: &PersonName,
    role: Role,
    password_hash: &str,
) -> sqlx::Result<String> {
    let id = new_id("usr");
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, email_normalized, name, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(email.as_str())
    .bind(email.normalized())
    .bind(name.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// True when `password` is the user's current one (any time the user exists).
pub async fn password_matches(db: &Db, user_id: &str, password: &str) -> sqlx::Result<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    Ok(off_the_runtime(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false))
}

/// Ends the user's live sessions inside the caller's transaction, but the one whose token is
/// `keep` (the session asking, when it stays signed in).
pub async fn revoke_sessions(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    keep: Option<&str>,
) -> sqlx::Result<u64> {
    let kept = keep.map(token_hash).unwrap_or_default();
    let done = sqlx::query(
        "UPDATE user_sessions SET revoked_at = $1
         WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(kept)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Replaces a user's password and ends their sessions.
pub async fn set_password(db: &Db, email: &str, password: &Password) -> anyhow::Result<()> {
    let normalized = Email::parse(email)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .normalized();
    let hash = {
        let password = Password(password.0.clone());
        off_the_runtime(move || hash_password(&password))
            .await
            .map_err(anyhow::Error::msg)?
            .map_err(anyhow::Error::msg)?
    };
    let mut tx = db.begin_write().await?;
    let user_id: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(&normalized)
            .fetch_optional(&mut *tx)
            .await?;
    let user_id = user_id.ok_or_else(|| anyhow::anyhow!("no user {email}"))?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE user_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now_ms())
    .bind(&user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

const USER_SELECT: &str = "SELECT u.id, u.tenant_id, t.company_name AS tenant_name, u.email,
        u.name, u.role, u.password_hash
    FROM users u JOIN tenants t ON t.id = u.tenant_id";

fn user_from_row(row: &AnyRow) -> sqlx::Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        tenant_name: row.try_get("tenant_name")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| decode_error("role", &role))?,
    })
}

/// The active user with this email and password, or `None`. Takes the same time whether the
/// email is unknown or the password wrong.
pub async fn authenticate(db: &Db, email: &str, password: &str) -> sqlx::Result<Option<User>> {
    let normalized = Email::parse(email).map(|e| e.normalized());
    let row = match &normalized {
        Ok(n) => {
            let sql =
                format!("{USER_SELECT} WHERE u.email_normalized = $1 AND u.disabled_at IS NULL");
            sqlx::query(&sql).bind(n).fetch_optional(&db.pool).await?
        }
        Err(_) => None,
    };
    let hash = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => dummy_hash().to_owned(),
    };
    let password = password.to_owned();
    let matches = off_the_runtime(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match row {
        Some(r) if matches => user_from_row(&r).map(Some),
        _ => Ok(None),
    }
}

/// The SHA-256 (hex) a token is stored as.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a login session and returns the token for the cookie.
pub async fn start_session(db: &Db, user_id: &str, ttl: Duration) -> sqlx::Result<String> {
    let token = format!("ls_{}", hex::encode(rand::random::<[u8; 32]>()));
    let now = now_ms();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .bind(now.saturating_add(ttl_ms))
    .execute(&mut *tx)
    .await?;
    // For the teammates page.
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// The user of a live session: not expired, not ended, the user not disabled.
pub async fn user_of_session(db: &Db, token: &str) -> sqlx::Result<Option<User>> {
    let sql = format!(
        "{USER_SELECT} JOIN user_sessions s ON s.user_id = u.id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
           AND u.disabled_at IS NULL"
    );
    let row = sqlx::query(&sql)
        .bind(token_hash(token))
        .bind(now_ms())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn end_session(db: &Db, token: &str) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE user_sessions SET revoked_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password(&Password::parse("correct horse battery").unwrap()).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn password_policy_names_the_limit() {
        assert!(Password::parse("short").unwrap_err().contains("10"));
        assert!(Password::parse(&"x".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("long enough pw").unwrap()),
            "Password([redacted])"
        );
    }
}
