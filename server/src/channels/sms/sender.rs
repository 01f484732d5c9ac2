//! Sends the outbox's SMS jobs through the channel's provider: one REST call per part, from the
//! number (or the Twilio Messaging Service) the conversation came in on.
//!
//! At most once: only an answer that says the provider did not take the message is retried
//! (no connection, 429, 5xx). A request that got no answer (a timeout after it was sent) is not:
//! the provider may have the message, and a second send would text the customer twice.

use std::sync::Arc;
use std::time::Duration;

use super::store::{self, Provider, SmsChannel};
use super::wire::SendError;
use super::{telnyx, twilio};
use crate::channels::outbox::{Job, Outcome, SendFn};
use crate::db::Db;

/// How long a provider call may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the providers are reached and where they post delivery reports.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The server's public URL, when configured: delivery reports are asked for there.
    pub public_url: Option<String>,
    /// Twilio's and Telnyx's API roots when not their public ones (set by whoever runs the
    /// server, e.g. a regional edge or a test stub; never by a workspace).
    pub twilio_api: Option<String>,
    pub telnyx_api: Option<String>,
}

/// The SMS worker's send: what [`crate::channels::outbox::spawn_worker`] calls per job.
pub fn send_fn(db: Db, endpoints: Endpoints) -> anyhow::Result<SendFn> {
    let http = client()?;
    let endpoints = Arc::new(endpoints);
    Ok(Arc::new(move |job: Job| {
        let (db, http, endpoints) = (db.clone(), http.clone(), endpoints.clone());
        Box::pin(async move { send(&db, &http, &endpoints, &job).await })
    }))
}

/// The HTTP client provider calls go through: every call bounded.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .build()
}

async fn send(db: &Db, http: &reqwest::Client, endpoints: &Endpoints, job: &Job) -> Outcome {
    let channel = match store::find_by_id(db, &job.route).await {
        Ok(Some(channel)) => channel,
        Ok(None) => return Outcome::Failed("the SMS number was disconnected".to_owned()),
        Err(e) => return Outcome::Retry(format!("reading the SMS number: {e}")),
    };
    match db.pool.acquire().await {
        Ok(mut conn) => match store::opted_out(&mut conn, &job.tenant_id, &job.recipient).await {
            Ok(true) => return Outcome::Failed("the customer opted out (STOP)".to_owned()),
            Ok(false) => {}
            Err(e) => return Outcome::Retry(format!("reading opt-outs: {e}")),
        },
        Err(e) => return Outcome::Retry(format!("reading opt-outs: {e}")),
    }
    let sent = send_text(http, endpoints, &channel, &job.recipient, &job.body).await;
    match sent {
        Ok(sent) => Outcome::Sent {
            provider_message_id: sent.provider_message_id,
        },
        Err(e) if e.is_opted_out() => {
            if let Err(store_error) = store::opt_out(db, &job.tenant_id, &job.recipient).await {
                tracing::warn!(error = %store_error, "recording an opt-out the provider reported");
            }
            Outcome::Failed(e.to_string())
        }
        Err(SendError::Network(e)) if !e.is_connect() && !e.is_builder() => {
            Outcome::Failed(format!(
                "no answer from the provider ({e}): not sent again, so it is sent at most once"
            ))
        }
        Err(e) if e.is_retryable() => Outcome::Retry(e.to_string()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// One provider call: `body` to `to` from `channel` (the workers' sends and the settings'
/// "send a test").
pub async fn send_text(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    channel: &SmsChannel,
    to: &str,
    body: &str,
) -> Result<super::wire::Sent, SendError> {
    let public_url = endpoints.public_url.as_deref();
    match channel.provider {
        Provider::Twilio => {
            let api = endpoints.twilio_api.as_deref().unwrap_or(twilio::API_BASE);
            send_twilio(http, api, channel, public_url, to, body).await
        }
        Provider::Telnyx => {
            let api = endpoints.telnyx_api.as_deref().unwrap_or(telnyx::API_BASE);
            send_telnyx(http, api, channel, public_url, to, body).await
        }
    }
}

async fn send_twilio(
    http: &reqwest::Client,
    api_base: &str,
    channel: &SmsChannel,
    public_url: Option<&str>,
    to: &str,
    body: &str,
) -> Result<super::wire::Sent, SendError> {
    let account = twilio::TwilioAccount {
        api_base: api_base.to_owned(),
        account_sid: channel.account_sid.clone().unwrap_or_default(),
        auth_token: channel.auth_token.clone().unwrap_or_default(),
    };
    let callback = public_url.map(|base| format!("{base}/webhooks/sms/twilio/status"));
    let service = channel.messaging_service_sid.as_deref();
    let sms = twilio::OutboundSms {
        // From the pool's service when the number is in one, so Twilio picks the sender.
        from: service.is_none().then_some(channel.phone_number.as_str()),
        messaging_service_sid: service,
        to,
        body,
        status_callback: callback.as_deref(),
    };
    twilio::send(http, &account, &sms).await
}

async fn send_telnyx(
    http: &reqwest::Client,
    api_base: &str,
    channel: &SmsChannel,
    public_url: Option<&str>,
    to: &str,
    body: &str,
) -> Result<super::wire::Sent, SendError> {
    let account = telnyx::TelnyxAccount {
        api_base: api_base.to_owned(),
        api_key: channel.api_key.clone().unwrap_or_default(),
    };
    let webhook = public_url.map(|base| format!("{base}/webhooks/sms/telnyx"));
    let sms = telnyx::OutboundSms {
        from: Some(channel.phone_number.as_str()),
        messaging_profile_id: channel.messaging_profile_id.as_deref(),
        to,
        body,
        webhook_url: webhook.as_deref(),
    };
    telnyx::send(http, &account, &sms).await
}
