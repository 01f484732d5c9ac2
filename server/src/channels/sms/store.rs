//! The SMS channel's tables: the numbers workspaces connect (with their provider credentials),
//! the numbers that opted out, and delivery reports on what was sent.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::wire::{DeliveryStatus, StatusUpdate};
use crate::channels::outbox;
use crate::db::{new_id, now_ms, Db, WriteTx};

/// Which provider carries a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Twilio,
    Telnyx,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Telnyx => "telnyx",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "twilio" => Some(Self::Twilio),
            "telnyx" => Some(Self::Telnyx),
            _ => None,
        }
    }
}

/// A connected number with what it takes to verify its webhooks and send from it. Holds
/// secrets: its `Debug` names them without their values.
#[derive(Clone)]
pub struct SmsChannel {
    pub id: String,
    pub tenant_id: String,
    pub provider: Provider,
    /// E.164.
    pub phone_number: String,
    /// Twilio: a Messaging Service whose pool this number is in (`MG…`): replies go through it.
    pub messaging_service_sid: Option<String>,
    pub account_sid: Option<String>,
    /// Twilio's auth token: signs its webhooks, authenticates our API calls.
    pub auth_token: Option<String>,
    /// Telnyx's API key.
    pub api_key: Option<String>,
    /// Telnyx's webhook signing public key (base64 Ed25519).
    pub public_key: Option<String>,
    pub messaging_profile_id: Option<String>,
    pub created_at: i64,
}

impl std::fmt::Debug for SmsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &Option<String>| if s.is_some() { "[set]" } else { "[none]" };
        f.debug_struct("SmsChannel")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("provider", &self.provider)
            .field("phone_number", &self.phone_number)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &secret(&self.auth_token))
            .field("api_key", &secret(&self.api_key))
            .field("public_key", &self.public_key)
            .field("messaging_profile_id", &self.messaging_profile_id)
            .finish()
    }
}

const COLUMNS: &str = "id, tenant_id, provider, phone_number, messaging_service_sid, account_sid,
    auth_token, api_key, public_key, messaging_profile_id, created_at";

fn from_row(row: &AnyRow) -> sqlx::Result<SmsChannel> {
    let provider: String = row.try_get("provider")?;
    Ok(SmsChannel {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        provider: Provider::parse(&provider)
            .ok_or_else(|| crate::db::decode_error("provider", &provider))?,
        phone_number: row.try_get("phone_number")?,
        messaging_service_sid: row.try_get("messaging_service_sid")?,
        account_sid: row.try_get("account_sid")?,
        auth_token: row.try_get("auth_token")?,
        api_key: row.try_get("api_key")?,
        public_key: row.try_get("public_key")?,
        messaging_profile_id: row.try_get("messaging_profile_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The channel that receives at `to` for `provider`, else (a number in a Twilio Messaging
/// Service's pool that was never connected on its own) the channel of that service.
pub async fn find_receiving(
    db: &Db,
    provider: Provider,
    to: &str,
    service_sid: Option<&str>,
) -> sqlx::Result<Option<SmsChannel>> {
    let sql =
        format!("SELECT {COLUMNS} FROM sms_channels WHERE phone_number = $1 AND provider = $2");
    if let Some(row) = sqlx::query(&sql)
        .bind(to)
        .bind(provider.as_str())
        .fetch_optional(&db.pool)
        .await?
    {
        return from_row(&row).map(Some);
    }
    let Some(service) = service_sid.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM sms_channels WHERE messaging_service_sid = $1 AND provider = $2
          ORDER BY created_at, id LIMIT 1"
    );
    sqlx::query(&sql)
        .bind(service)
        .bind(provider.as_str())
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn find(db: &Db, tenant_id: &str, id: &str) -> sqlx::Result<Option<SmsChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM sms_channels WHERE id = $1 AND tenant_id = $2");
    sqlx::query(&sql)
        .bind(id)
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// By id alone: the sending worker, whose jobs name their channel.
pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<SmsChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM sms_channels WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<SmsChannel>> {
    let sql =
        format!("SELECT {COLUMNS} FROM sms_channels WHERE tenant_id = $1 ORDER BY created_at, id");
    sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// A number to connect, already checked.
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    pub provider: Provider,
    pub phone_number: &'a str,
    pub messaging_service_sid: Option<&'a str>,
    pub account_sid: Option<&'a str>,
    pub auth_token: Option<&'a str>,
    pub api_key: Option<&'a str>,
    pub public_key: Option<&'a str>,
    pub messaging_profile_id: Option<&'a str>,
}

/// Connects a number; `None` when another workspace (or this one) has it already.
pub async fn insert(
    tx: &mut WriteTx,
    tenant_id: &str,
    new: &NewChannel<'_>,
) -> sqlx::Result<Option<SmsChannel>> {
    let id = new_id("sms");
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO sms_channels
           (id, tenant_id, provider, phone_number, messaging_service_sid, account_sid,
            auth_token, api_key, public_key, messaging_profile_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(new.provider.as_str())
    .bind(new.phone_number)
    .bind(new.messaging_service_sid)
    .bind(new.account_sid)
    .bind(new.auth_token)
    .bind(new.api_key)
    .bind(new.public_key)
    .bind(new.messaging_profile_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM sms_channels WHERE id = $1");
    let row = sqlx::query(&sql).bind(&id).fetch_one(&mut **tx).await?;
    from_row(&row).map(Some)
}

/// Removes a number; `false` when the workspace has no such channel.
pub async fn delete(tx: &mut WriteTx, tenant_id: &str, id: &str) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM sms_channels WHERE id = $1 AND tenant_id = $2")
        .bind(id)
        .bind(tenant_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}

pub async fn opted_out(
    conn: &mut AnyConnection,
    tenant_id: &str,
    number: &str,
) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT opted_out_at FROM sms_opt_outs WHERE tenant_id = $1 AND phone_number = $2",
    )
    .bind(tenant_id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// STOP: nothing more is sent to `number`; what was queued for it fails now.
pub async fn opt_out(db: &Db, tenant_id: &str, number: &str) -> sqlx::Result<()> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO sms_opt_outs (tenant_id, phone_number, opted_out_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, phone_number) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(number)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let dropped: Vec<String> = sqlx::query_scalar(
        "UPDATE outbox SET failed_at = $1, last_error = 'the customer opted out (STOP)'
          WHERE tenant_id = $2 AND channel = 'sms' AND recipient = $3
            AND sent_at IS NULL AND failed_at IS NULL AND in_flight_since IS NULL
         RETURNING message_id",
    )
    .bind(now)
    .bind(tenant_id)
    .bind(number)
    .fetch_all(&mut *tx)
    .await?;
    for id in dropped {
        outbox::set_delivery(
            &mut tx,
            &id,
            DeliveryStatus::Failed,
            Some("the customer opted out (STOP)"),
            "1 = 1",
        )
        .await?;
    }
    tx.commit().await
}

/// START: `number` may be texted again.
pub async fn opt_in(db: &Db, tenant_id: &str, number: &str) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sms_opt_outs WHERE tenant_id = $1 AND phone_number = $2")
        .bind(tenant_id)
        .bind(number)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// A delivery report from `channel`'s provider: the message sent under that provider id takes
/// the status (a later report never goes back: delivered stays delivered). `false` when no
/// message of the channel's workspace was sent under that id.
pub async fn record_status(
    db: &Db,
    channel: &SmsChannel,
    update: &StatusUpdate,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let message_id: Option<String> = sqlx::query_scalar(
        "SELECT message_id FROM outbox
          WHERE provider_message_id = $1 AND tenant_id = $2 AND channel = 'sms'",
    )
    .bind(&update.provider_message_id)
    .bind(&channel.tenant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(message_id) = message_id else {
        return Ok(false);
    };
    let rank = |s: &str| match s {
        "queued" => 0,
        "sent" | "unknown" => 1,
        "undelivered" | "failed" => 2,
        "delivered" => 3,
        _ => 0,
    };
    let current: Option<String> =
        sqlx::query_scalar("SELECT delivery_status FROM messages WHERE id = $1")
            .bind(&message_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let new = update.status;
    if current
        .as_deref()
        .is_none_or(|c| rank(new.as_str()) >= rank(c))
        && current.as_deref() != Some(new.as_str())
    {
        let error = new
            .is_failure()
            .then(|| match (&update.error_code, &update.error_message) {
                (Some(code), Some(text)) => format!("{code}: {text}"),
                (Some(code), None) => code.clone(),
                (None, Some(text)) => text.clone(),
                (None, None) => "not delivered".to_owned(),
            });
        outbox::set_delivery(&mut tx, &message_id, new, error.as_deref(), "1 = 1").await?;
    }
    tx.commit().await?;
    if update.opted_out {
        let recipient: Option<String> = sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE provider_message_id = $1 AND tenant_id = $2",
        )
        .bind(&update.provider_message_id)
        .bind(&channel.tenant_id)
        .fetch_optional(&db.pool)
        .await?;
        if let Some(number) = recipient {
            opt_out(db, &channel.tenant_id, &number).await?;
        }
    }
    Ok(true)
}

/// Why a number could not be connected.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A number receives for one workspace.
    #[error("the number is connected already")]
    NumberTaken,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// The settings' view of a channel: everything but its secrets, and the URLs to paste into the
/// provider's console (under `base`, the server's public address).
pub fn view(channel: &SmsChannel, base: &str) -> shared::channels::SmsChannelView {
    use shared::channels::{SmsChannelView, SmsProvider};
    let (provider, inbound, status) = match channel.provider {
        Provider::Twilio => (
            SmsProvider::Twilio,
            "/webhooks/sms/twilio",
            "/webhooks/sms/twilio/status",
        ),
        Provider::Telnyx => (
            SmsProvider::Telnyx,
            "/webhooks/sms/telnyx",
            "/webhooks/sms/telnyx",
        ),
    };
    SmsChannelView {
        id: channel.id.clone(),
        provider,
        phone_number: channel.phone_number.clone(),
        messaging_service_sid: channel.messaging_service_sid.clone(),
        account_sid: channel.account_sid.clone(),
        auth_token_set: channel.auth_token.is_some(),
        api_key_set: channel.api_key.is_some(),
        public_key: channel.public_key.clone(),
        messaging_profile_id: channel.messaging_profile_id.clone(),
        inbound_url: format!("{base}{inbound}"),
        status_url: format!("{base}{status}"),
        created_at: channel.created_at,
    }
}

/// Connects a number from the settings ([`shared::channels::SmsChannelForm::parse`]d), with its
/// audit entry (never its secrets).
pub async fn connect(
    db: &Db,
    tenant_id: &str,
    form: &shared::channels::SmsChannelForm,
    actor: crate::audit::Actor<'_>,
) -> Result<SmsChannel, ConnectError> {
    let given = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let provider = match form.provider {
        shared::channels::SmsProvider::Twilio => Provider::Twilio,
        shared::channels::SmsProvider::Telnyx => Provider::Telnyx,
    };
    let twilio = provider == Provider::Twilio;
    let (service, account, token, key, public, profile) = (
        given(&form.messaging_service_sid).filter(|_| twilio),
        given(&form.account_sid).filter(|_| twilio),
        given(&form.auth_token).filter(|_| twilio),
        given(&form.api_key).filter(|_| !twilio),
        given(&form.public_key).filter(|_| !twilio),
        given(&form.messaging_profile_id).filter(|_| !twilio),
    );
    let new = NewChannel {
        provider,
        phone_number: &form.phone_number,
        messaging_service_sid: service.as_deref(),
        account_sid: account.as_deref(),
        auth_token: token.as_deref(),
        api_key: key.as_deref(),
        public_key: public.as_deref(),
        messaging_profile_id: profile.as_deref(),
    };
    let mut tx = db.begin_write().await?;
    let Some(channel) = insert(&mut tx, tenant_id, &new).await? else {
        return Err(ConnectError::NumberTaken);
    };
    crate::audit::record(
        &mut tx,
        tenant_id,
        actor,
        crate::audit::Change {
            area: shared::dashboard::SettingsArea::Channels,
            action: "sms_channel.connected",
            target: &channel.phone_number,
            before: None,
            after: Some(serde_json::json!({
                "provider": provider,
                "phoneNumber": channel.phone_number,
                "messagingServiceSid": channel.messaging_service_sid,
                "accountSid": channel.account_sid,
                "messagingProfileId": channel.messaging_profile_id,
                "secret": "set",
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(channel)
}

/// Disconnects a number, with its audit entry; `false` when the workspace has no such channel.
pub async fn disconnect(
    db: &Db,
    tenant_id: &str,
    id: &str,
    actor: crate::audit::Actor<'_>,
) -> sqlx::Result<bool> {
    let Some(channel) = find(db, tenant_id, id).await? else {
        return Ok(false);
    };
    let mut tx = db.begin_write().await?;
    if !delete(&mut tx, tenant_id, id).await? {
        return Ok(false);
    }
    crate::audit::record(
        &mut tx,
        tenant_id,
        actor,
        crate::audit::Change {
            area: shared::dashboard::SettingsArea::Channels,
            action: "sms_channel.disconnected",
            target: &channel.phone_number,
            before: Some(serde_json::json!({
                "provider": channel.provider,
                "phoneNumber": channel.phone_number,
            })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
