//! The voice channel's tables: the numbers a workspace receives call records for, and calls.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{new_id, now_ms, Db};

#[derive(Clone)]
pub struct VoiceChannel {
    pub id: String,
    pub tenant_id: String,
    pub phone_number: String,
    pub webhook_secret: String,
    pub created_at: i64,
}

impl std::fmt::Debug for VoiceChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceChannel")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("phone_number", &self.phone_number)
            .field("webhook_secret", &"[set]")
            .finish()
    }
}

const COLUMNS: &str = "id, tenant_id, phone_number, webhook_secret, created_at";

fn from_row(row: &AnyRow) -> sqlx::Result<VoiceChannel> {
    Ok(VoiceChannel {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        phone_number: row.try_get("phone_number")?,
        webhook_secret: row.try_get("webhook_secret")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn find_by_number(db: &Db, number: &str) -> sqlx::Result<Option<VoiceChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM voice_channels WHERE phone_number = $1");
    sqlx::query(&sql)
        .bind(number)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The workspace's number `id`.
pub async fn find(db: &Db, tenant_id: &str, id: &str) -> sqlx::Result<Option<VoiceChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM voice_channels WHERE id = $1 AND tenant_id = $2");
    sqlx::query(&sql)
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<VoiceChannel>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM voice_channels WHERE tenant_id = $1 ORDER BY created_at, id"
    );
    sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Connects a number with a new webhook secret, and its audit entry; `None` when any
/// workspace has it.
pub async fn connect(
    db: &Db,
    tenant_id: &str,
    number: &str,
    actor: crate::audit::Actor<'_>,
) -> sqlx::Result<Option<VoiceChannel>> {
    let id = new_id("vc");
    let secret = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO voice_channels (id, tenant_id, phone_number, webhook_secret, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(number)
    .bind(&secret)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    crate::audit::record(
        &mut tx,
        tenant_id,
        actor,
        crate::audit::Change {
            area: shared::dashboard::SettingsArea::Channels,
            action: "voice_channel.connected",
            target: number,
            before: None,
            after: Some(serde_json::json!({ "phoneNumber": number })),
        },
    )
    .await?;
    let sql = format!("SELECT {COLUMNS} FROM voice_channels WHERE id = $1");
    let channel = from_row(&sqlx::query(&sql).bind(&id).fetch_one(&mut *tx).await?)?;
    tx.commit().await?;
    Ok(Some(channel))
}

pub async fn disconnect(
    db: &Db,
    tenant_id: &str,
    id: &str,
    actor: crate::audit::Actor<'_>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let number: Option<String> = sqlx::query_scalar(
        "DELETE FROM voice_channels WHERE id = $1 AND tenant_id = $2 RETURNING phone_number",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(number) = number else {
        return Ok(false);
    };
    crate::audit::record(
        &mut tx,
        tenant_id,
        actor,
        crate::audit::Change {
            area: shared::dashboard::SettingsArea::Channels,
            action: "voice_channel.disconnected",
            target: &number,
            before: Some(serde_json::json!({ "phoneNumber": number })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub fn view(channel: &VoiceChannel, base: &str) -> shared::channels::VoiceChannelView {
    shared::channels::VoiceChannelView {
        id: channel.id.clone(),
        phone_number: channel.phone_number.clone(),
        webhook_url: format!("{base}/webhooks/voice"),
        created_at: channel.created_at,
    }
}
