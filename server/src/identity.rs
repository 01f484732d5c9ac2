//! Identity verification: each workspace may hold one secret, and the customer's own backend
//! proves who a visitor is by computing `HMAC-SHA256(secret, lowercase email)` as hex (the
//! widget's `userHash`). Without it, a visitor's email is only a claim.
//!
//! The secret is stored as it is (the server must compute HMACs with it), never logged, and
//! shown once, to the admin who created it.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use shared::dashboard::SettingsArea;
use shared::Email;
use sqlx::Row;

use crate::audit::{self, Actor};
use crate::db::{new_id, now_ms, Db};

/// A workspace's identity secret. `Debug` never prints it.
#[derive(Debug, Clone)]
pub struct IdentitySecret {
    /// New with each rotation: sessions remember which secret verified them.
    pub id: String,
    secret: SecretString,
    pub created_at: i64,
}

impl IdentitySecret {
    /// The secret itself, for the one answer that shows it.
    pub fn reveal(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The `userHash` for `email`: lowercase hex of `HMAC-SHA256(secret, lowercase email)`.
    pub fn user_hash(&self, email: &Email) -> String {
        hex::encode(self.mac(email).finalize().into_bytes())
    }

    /// True when `user_hash` is the hash of `email` (hex, either case). Compared in constant
    /// time, so a guesser learns nothing from how long a wrong answer takes.
    pub fn verifies(&self, email: &Email, user_hash: &str) -> bool {
        match hex::decode(user_hash.trim()) {
            Ok(bytes) => self.mac(email).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, email: &Email) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC accepts any key length");
        mac.update(email.normalized().as_bytes());
        mac
    }
}

/// Creates a new random secret for the tenant, replacing any earlier one at once.
pub async fn rotate(db: &Db, tenant_id: &str, actor: Actor<'_>) -> sqlx::Result<IdentitySecret> {
    let secret = format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    );
    let now = now_ms();
    let id = new_id("ids");
    let mut tx = db.begin_write().await?;
    let had_one: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM identity_secrets WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO identity_secrets (tenant_id, id, secret, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE
         SET id = excluded.id, secret = excluded.secret, created_at = excluded.created_at,
             created_by = excluded.created_by",
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&secret)
    .bind(now)
    .bind(actor.user_id.unwrap_or(actor.name))
    .execute(&mut *tx)
    .await?;
    // The log says that and when, never the secret.
    let change = audit::Change {
        area: SettingsArea::Identity,
        action: if had_one.is_some() {
            "identity_secret.rotated"
        } else {
            "identity_secret.created"
        },
        target: "identity secret",
        before: had_one.map(|at| serde_json::json!({ "createdAt": at })),
        after: Some(serde_json::json!({ "createdAt": now })),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(IdentitySecret {
        id,
        secret: secret.into(),
        created_at: now,
    })
}

/// The tenant's current secret, if it has one.
pub async fn find(db: &Db, tenant_id: &str) -> sqlx::Result<Option<IdentitySecret>> {
    let row =
        sqlx::query("SELECT id, secret, created_at FROM identity_secrets WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| {
        Ok(IdentitySecret {
            id: r.try_get("id")?,
            secret: r.try_get::<String, _>("secret")?.into(),
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> IdentitySecret {
        IdentitySecret {
            id: "ids_test".into(),
            secret: s.to_owned().into(),
            created_at: 0,
        }
    }

    #[test]
    fn the_hash_is_hmac_sha256_of_the_lowercase_email() {
        // Computed by openssl: `printf %s jane@example.com | openssl dgst -sha256 -hmac s3cret`
        let expected = "c56360d283a3038ea6f01b2e9a62a155ad9416491464597ff600ec1fdd85d1ca";
        let email = Email::parse("Jane@Example.com").unwrap();
        assert_eq!(secret("s3cret").user_hash(&email), expected);
        assert!(secret("s3cret").verifies(&email, expected));
    }

    #[test]
    fn a_wrong_or_malformed_hash_does_not_verify() {
        let s = secret("s3cret");
        let email = Email::parse("jane@example.com").unwrap();
        let good = s.user_hash(&email);
        assert!(s.verifies(&email, &good));
        assert!(s.verifies(&email, &good.to_uppercase()));
        assert!(!s.verifies(&email, &good[..62]));
        assert!(!s.verifies(&email, "zz"));
        assert!(!s.verifies(&email, ""));
        let other = Email::parse("john@example.com").unwrap();
        assert!(!s.verifies(&other, &good));
        assert!(!secret("other").verifies(&email, &good));
    }

    #[test]
    fn debug_never_prints_the_secret() {
        assert!(!format!("{:?}", secret("s3cret-value")).contains("s3cret-value"));
    }
}
