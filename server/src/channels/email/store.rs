//! The email channel's table: the inbound addresses workspaces connect, each with the SMTP
//! account its replies go out through.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::outgoing::{SmtpAccount, TlsMode};
use crate::db::{decode_error, new_id, now_ms, Db};

/// A connected address. Holds secrets: its `Debug` names them without their values.
#[derive(Clone)]
pub struct EmailChannel {
    pub id: String,
    pub tenant_id: String,
    /// Lower-cased.
    pub inbound_address: String,
    pub from_name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_tls: TlsMode,
    pub signature: String,
    pub reply_delay_secs: i64,
    pub webhook_secret: String,
    /// Mailgun's HTTP webhook signing key, when Mailgun forwards this address's mail.
    pub mailgun_signing_key: Option<String>,
    pub created_at: i64,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("id", &self.id)
            .field("tenant_id", &self.tenant_id)
            .field("inbound_address", &self.inbound_address)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "[set]"),
            )
            .field("webhook_secret", &"[set]")
            .field(
                "mailgun_signing_key",
                &self.mailgun_signing_key.as_ref().map(|_| "[set]"),
            )
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// The SMTP account replies go through; `public_only`: connect only to public addresses
    /// (`Config::smtp_public_only`).
    pub fn smtp(&self, public_only: bool) -> SmtpAccount {
        SmtpAccount {
            host: self.smtp_host.clone(),
            port: self.smtp_port,
            username: self.smtp_username.clone(),
            password: self.smtp_password.clone(),
            tls: self.smtp_tls,
            public_only,
        }
    }
}

pub fn tls_name(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::None => "none",
        TlsMode::StartTls => "starttls",
        TlsMode::Tls => "tls",
    }
}

pub fn parse_tls(s: &str) -> Option<TlsMode> {
    match s {
        "none" => Some(TlsMode::None),
        "starttls" => Some(TlsMode::StartTls),
        "tls" => Some(TlsMode::Tls),
        _ => None,
    }
}

const COLUMNS: &str = "id, tenant_id, inbound_address, from_name, smtp_host, smtp_port,
    smtp_username, smtp_password, smtp_tls, signature, reply_delay_secs, webhook_secret,
    mailgun_signing_key, created_at";

fn from_row(row: &AnyRow) -> sqlx::Result<EmailChannel> {
    let tls: String = row.try_get("smtp_tls")?;
    let port: i64 = row.try_get("smtp_port")?;
    Ok(EmailChannel {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        inbound_address: row.try_get("inbound_address")?,
        from_name: row.try_get("from_name")?,
        smtp_host: row.try_get("smtp_host")?,
        smtp_port: u16::try_from(port).map_err(|_| decode_error("smtp_port", &port.to_string()))?,
        smtp_username: row.try_get("smtp_username")?,
        smtp_password: row.try_get("smtp_password")?,
        smtp_tls: parse_tls(&tls).ok_or_else(|| decode_error("smtp_tls", &tls))?,
        signature: row.try_get("signature")?,
        reply_delay_secs: row.try_get("reply_delay_secs")?,
        webhook_secret: row.try_get("webhook_secret")?,
        mailgun_signing_key: row.try_get("mailgun_signing_key")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The channel receiving at the first of `addresses` that one is connected for.
pub async fn find_receiving(db: &Db, addresses: &[String]) -> sqlx::Result<Option<EmailChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM email_channels WHERE inbound_address = $1");
    for address in addresses {
        let row = sqlx::query(&sql)
            .bind(address.trim().to_ascii_lowercase())
            .fetch_optional(&db.pool)
            .await?;
        if let Some(row) = row {
            return from_row(&row).map(Some);
        }
    }
    Ok(None)
}

pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<EmailChannel>> {
    let sql = format!("SELECT {COLUMNS} FROM email_channels WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The workspace's channel `id`.
pub async fn find(db: &Db, tenant_id: &str, id: &str) -> sqlx::Result<Option<EmailChannel>> {
    Ok(find_by_id(db, id)
        .await?
        .filter(|c| c.tenant_id == tenant_id))
}

pub async fn list(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<EmailChannel>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM email_channels WHERE tenant_id = $1 ORDER BY created_at, id"
    );
    sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Connects an address ([`shared::channels::EmailChannelForm::parse`]d) with a new webhook
/// secret, and its audit entry (never a secret); `None` when any workspace has the address.
pub async fn connect(
    db: &Db,
    tenant_id: &str,
    form: &shared::channels::EmailChannelForm,
    actor: crate::audit::Actor<'_>,
) -> sqlx::Result<Option<EmailChannel>> {
    let id = new_id("em");
    let secret = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
    let given = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO email_channels
           (id, tenant_id, inbound_address, from_name, smtp_host, smtp_port, smtp_username,
            smtp_password, smtp_tls, signature, reply_delay_secs, webhook_secret,
            mailgun_signing_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&form.inbound_address)
    .bind(&form.from_name)
    .bind(&form.smtp_host)
    .bind(i64::from(form.smtp_port))
    .bind(given(&form.smtp_username))
    .bind(given(&form.smtp_password))
    .bind(form.smtp_tls.as_str())
    .bind(&form.signature)
    .bind(i64::from(form.reply_delay_secs))
    .bind(&secret)
    .bind(given(&form.mailgun_signing_key))
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
            action: "email_channel.connected",
            target: &form.inbound_address,
            before: None,
            after: Some(serde_json::json!({
                "inboundAddress": form.inbound_address,
                "smtpHost": form.smtp_host,
                "smtpPort": form.smtp_port,
                "smtpTls": form.smtp_tls.as_str(),
                "replyDelaySecs": form.reply_delay_secs,
                "mailgun": !form.mailgun_signing_key.is_empty(),
            })),
        },
    )
    .await?;
    let sql = format!("SELECT {COLUMNS} FROM email_channels WHERE id = $1");
    let row = sqlx::query(&sql).bind(&id).fetch_one(&mut *tx).await?;
    let channel = from_row(&row)?;
    tx.commit().await?;
    Ok(Some(channel))
}

/// Disconnects an address, with its audit entry; `false` when the workspace has no such one.
pub async fn disconnect(
    db: &Db,
    tenant_id: &str,
    id: &str,
    actor: crate::audit::Actor<'_>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_write().await?;
    let address: Option<String> = sqlx::query_scalar(
        "DELETE FROM email_channels WHERE id = $1 AND tenant_id = $2 RETURNING inbound_address",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(address) = address else {
        return Ok(false);
    };
    crate::audit::record(
        &mut tx,
        tenant_id,
        actor,
        crate::audit::Change {
            area: shared::dashboard::SettingsArea::Channels,
            action: "email_channel.disconnected",
            target: &address,
            before: Some(serde_json::json!({ "inboundAddress": address })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The settings' view: everything but the secrets, and the webhook URL under `base`.
pub fn view(channel: &EmailChannel, base: &str) -> shared::channels::EmailChannelView {
    shared::channels::EmailChannelView {
        id: channel.id.clone(),
        inbound_address: channel.inbound_address.clone(),
        from_name: channel.from_name.clone(),
        smtp_host: channel.smtp_host.clone(),
        smtp_port: channel.smtp_port,
        smtp_username: channel.smtp_username.clone(),
        smtp_password_set: channel.smtp_password.is_some(),
        smtp_tls: match channel.smtp_tls {
            TlsMode::None => shared::channels::SmtpTls::None,
            TlsMode::StartTls => shared::channels::SmtpTls::StartTls,
            TlsMode::Tls => shared::channels::SmtpTls::Tls,
        },
        signature: channel.signature.clone(),
        reply_delay_secs: u32::try_from(channel.reply_delay_secs).unwrap_or(0),
        webhook_url: format!("{base}/webhooks/email"),
        mailgun_webhook_url: format!("{base}/webhooks/email/mailgun/{}/mime", channel.id),
        mailgun_signing_key_set: channel.mailgun_signing_key.is_some(),
        created_at: channel.created_at,
    }
}
