//! Settings kept as one JSON document per workspace, in a table of `(tenant_id PRIMARY KEY,
//! settings TEXT, updated_at BIGINT)` (content safety, proactive messages): reading with the
//! defaults when a workspace never saved any, and replacing inside a write transaction (the
//! caller adds its audit entry to the same transaction).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::{now_ms, Db, WriteTx};

/// A table of such rows. The name is written into the SQL, so it is a constant, never input.
#[derive(Clone, Copy)]
pub struct SettingsTable(pub &'static str);

impl SettingsTable {
    /// The workspace's settings; the defaults when it never saved any (or, logged, when the
    /// stored JSON no longer reads: a field since renamed, say).
    pub async fn load<T: DeserializeOwned + Default>(
        self,
        db: &Db,
        tenant_id: &str,
    ) -> sqlx::Result<T> {
        let sql = format!("SELECT settings FROM {} WHERE tenant_id = $1", self.0);
        let json: Option<String> = sqlx::query_scalar(&sql)
            .bind(tenant_id)
            .fetch_optional(&db.pool)
            .await?;
        Ok(json.map_or_else(T::default, |json| {
            serde_json::from_str(&json).unwrap_or_else(|error| {
                tracing::warn!(tenant = %tenant_id, table = self.0, %error, "stored settings do not read; using the defaults");
                T::default()
            })
        }))
    }

    /// Replaces the workspace's settings inside `tx`.
    pub async fn store<T: Serialize>(
        self,
        tx: &mut WriteTx,
        tenant_id: &str,
        settings: &T,
    ) -> sqlx::Result<()> {
        let json = serde_json::to_string(settings).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let sql = format!(
            "INSERT INTO {} (tenant_id, settings, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings,
                                                   updated_at = excluded.updated_at",
            self.0
        );
        sqlx::query(&sql)
            .bind(tenant_id)
            .bind(&json)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
