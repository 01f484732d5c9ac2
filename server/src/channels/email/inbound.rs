//! Inbound mail: the webhook a mail provider (or a mail server's pipe) posts to, and the mail
//! the SMTP listener receives. The workspace is found from the recipient address; a webhook is
//! signed with the channel's secret and checked before anything is stored; a Message-ID is
//! stored once. The sender's address is their client (an email's sender is trusted), the thread
//! found by `In-Reply-To` / `References`, then by subject and sender within 30 days; quoted
//! earlier text is trimmed from the stored message (the original is kept with it); auto-replies
//! and bounces are stored but never answered, so two robots cannot talk forever.
//!
//! `POST /webhooks/email`, either
//! - `Content-Type: message/rfc822`: the raw message, or
//! - `Content-Type: application/json`: `{"recipient": "...", "raw": "<the raw message>"}` (the
//!   envelope recipient, when the message's own headers do not name the address),
//!
//! signed with the channel's webhook secret ([`webhook`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::api::Channel;
use shared::{Email, PersonName};

use super::parse::{self, ParsedEmail};
use super::store::{self, EmailChannel};
use super::{quotes, thread};
use crate::ai::pipeline::{self, Inbound};
use crate::channels::outbox::Delivery;
use crate::channels::webhook;
use crate::clients;
use crate::conversations::by_address::{self, Contact};
use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::tenants;

/// Largest webhook body: the largest message parse takes, JSON-escaped in an envelope.
pub(super) const BODY_MAX: usize = parse::MAX_MESSAGE_BYTES / 2 * 3;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/webhooks/email",
        post(webhook).layer(axum::extract::DefaultBodyLimit::max(BODY_MAX)),
    )
}

#[derive(Deserialize)]
struct JsonEnvelope {
    #[serde(default)]
    recipient: Option<String>,
    raw: String,
}

async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (raw, envelope_recipient): (Vec<u8>, Option<String>) =
        if content_type.starts_with("message/rfc822") {
            (body.to_vec(), None)
        } else if content_type.starts_with("application/json") {
            let envelope: JsonEnvelope = serde_json::from_slice(&body).map_err(|e| {
                ApiError::bad_request(
                    "invalid_body",
                    format!("The JSON envelope does not read: {e}."),
                )
            })?;
            (envelope.raw.into_bytes(), envelope.recipient)
        } else {
            return Err(ApiError::client(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Post the raw message as message/rfc822, or a JSON envelope {\"raw\": ...}.",
            ));
        };
    let parsed = parse::parse(&raw).map_err(|e| {
        ApiError::invalid_field(
            "raw",
            "invalid_email",
            format!("The message does not read: {e}."),
        )
    })?;
    let channel = store::find_receiving(&state.db, &recipients(&parsed, envelope_recipient))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "unknown_address",
                "No workspace has connected this address: nothing was stored.",
            )
        })?;
    webhook::check(&headers, &body, &channel.webhook_secret)?;
    receive(&state, &channel, &raw, parsed).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where the message was sent: the envelope recipient first, then the headers that name the
/// delivery address, then To and Cc.
pub fn recipients(parsed: &ParsedEmail, envelope: Option<String>) -> Vec<String> {
    let mut out: Vec<String> = envelope.into_iter().collect();
    out.extend(parsed.delivered_to.iter().cloned());
    out.extend(parsed.to.iter().map(|m| m.address.clone()));
    out.extend(parsed.cc.iter().map(|m| m.address.clone()));
    out
}

/// The text stored for agents and the assistant: the reply without the quoted thread, and a
/// line per attachment.
fn stored_text(parsed: &ParsedEmail, trimmed: &str) -> String {
    let mut text = trimmed.trim().to_owned();
    for a in parsed.attachments.iter().filter(|a| !a.inline) {
        if !text.is_empty() {
            text.push('\n');
        }
        let name = a.filename.as_deref().unwrap_or("unnamed");
        text.push_str(&format!(
            "[attachment] {name} ({}, {} bytes)",
            a.content_type, a.size
        ));
    }
    if text.is_empty() {
        text = match parsed.subject.trim() {
            "" => "(empty message)".to_owned(),
            subject => subject.to_owned(),
        };
    }
    text
}

/// Stores a message for `channel` once and sets its answer going (SMTP listener and webhook).
pub async fn receive(
    state: &AppState,
    channel: &EmailChannel,
    raw: &[u8],
    parsed: ParsedEmail,
) -> Result<()> {
    let db = &state.db;
    let tenant_id = channel.tenant_id.as_str();
    let Some(sender) = parsed.from.clone() else {
        return Err(ApiError::invalid_field(
            "raw",
            "missing_from",
            "The message has no sender.",
        ));
    };
    let email = Email::parse(&sender.address).map_err(|e| {
        ApiError::invalid_field(
            "raw",
            "invalid_sender",
            format!("The sender's address: {e}"),
        )
    })?;
    let message_id = parsed
        .message_id
        .clone()
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(raw))));
    if by_address::external_id_seen(db, tenant_id, Channel::Email, &message_id).await? {
        return Ok(());
    }
    let tenant = tenants::find_tenant(db, tenant_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let local = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let name = sender
        .name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok())
        .or_else(|| PersonName::parse(&local).ok())
        .or_else(|| PersonName::parse("Customer").ok())
        .ok_or_else(|| anyhow::anyhow!("a fallback name does not parse"))?;
    // The sender is who the mail says: a longer name fills in, nothing is erased.
    let client = clients::upsert_by_email(db, tenant_id, &name, &email).await?;
    let address = email.normalized();
    let contact = Contact {
        tenant_id,
        channel: Channel::Email,
        channel_ref: &channel.id,
        address: &address,
        client_id: &client.id,
        // Past a capped plan's conversations, a new thread goes to the team.
        to_team: crate::usage::at_cap(db, &state.config, tenant_id).await?,
    };
    let assistant = pipeline::default_assistant(state, tenant_id).await?;
    let keys = thread::thread_keys(&parsed.in_reply_to, &parsed.references);
    let subject = thread::normalize_subject(&parsed.subject);
    let conversation =
        by_address::open_for_email_thread(db, &contact, &keys, &subject, &assistant.assistant.id)
            .await?;
    let reply_to = parsed
        .reply_to
        .as_ref()
        .and_then(|m| Email::parse(&m.address).ok())
        .unwrap_or(email);
    let trimmed = quotes::trim_quoted(&parsed.text);
    let text = stored_text(&parsed, &trimmed.text);
    let mut references = parsed.references.clone();
    for id in &parsed.in_reply_to {
        if !references.contains(id) {
            references.push(id.clone());
        }
    }
    let meta = serde_json::json!({
        "subject": parsed.subject,
        "references": references,
        "originalText": trimmed.trimmed.then_some(&parsed.text),
        "htmlOnly": parsed.text_from_html,
        "cc": parsed.cc.iter().map(|m| &m.address).collect::<Vec<_>>(),
        // What answering it needs, should a restart leave it unanswered (`channels::resume`).
        "autoSubmitted": parsed.auto_submitted,
        "replyTo": reply_to.as_str(),
        "attachments": parsed.attachments.iter().map(|a| serde_json::json!({
            "filename": a.filename, "contentType": a.content_type, "size": a.size, "inline": a.inline,
        })).collect::<Vec<_>>(),
    })
    .to_string();
    let stored = by_address::insert_customer_message(
        db,
        &contact,
        &conversation.id,
        &text,
        &message_id,
        Some(&meta),
    )
    .await?;
    let Some(stored) = stored else {
        return Ok(());
    };
    if let Err(e) = clients::mentions::note(db, &tenant, &client.id, &stored, true).await {
        tracing::warn!(error = %e, "reading contact details from an email");
    }
    if parsed.auto_submitted || !conversation.assistant_answers() {
        return Ok(());
    }
    let inbound = Inbound {
        tenant_id: tenant_id.to_owned(),
        session: None,
        client_id: client.id,
        channel: Channel::Email,
        message: stored,
        conversation: None,
        fresh: true,
        message_count: None,
        delivery: Some(Delivery {
            channel: Channel::Email,
            route: channel.id.clone(),
            recipient: reply_to.as_str().to_owned(),
            delay_ms: channel.reply_delay_secs.saturating_mul(1000),
        }),
    };
    let state = state.clone();
    tokio::spawn(async move {
        match pipeline::answer_once(&state, inbound).await {
            Ok(_) => state.outbox_wake.notify_waiters(),
            Err(e) => tracing::error!(error = %e, "answering an email"),
        }
    });
    Ok(())
}
