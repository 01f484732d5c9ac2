//! The providers' webhooks: a customer's text (Twilio form-encoded, Telnyx JSON) and delivery
//! reports on what we sent. Nothing is stored before the signature is checked: a bad or missing
//! signature is a 403, a number no workspace connected a 404. A text is stored once per provider
//! message id on the sender's client (a signed webhook's sender number is trusted) and in its
//! conversation (one per number, resumed within 30 days), and answered by the reply pipeline in
//! the background: the provider gets its 2xx as soon as the message is on disk.
//!
//! - `POST /webhooks/sms/twilio`: Twilio's incoming-message webhook (for a number, or for a
//!   Messaging Service: a pooled number finds its workspace through the service).
//! - `POST /webhooks/sms/twilio/status`: Twilio's status callback.
//! - `POST /webhooks/sms/telnyx`: every Telnyx messaging webhook (received, sent, finalized).

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use shared::api::Channel;

use super::keywords::{self, Keyword};
use super::store::{self, Provider, SmsChannel};
use super::wire::{InboundSms, StatusUpdate};
use super::{signature, telnyx, twilio};
use crate::ai::pipeline::{self, Inbound};
use crate::channels::outbox::Delivery;
use crate::clients;
use crate::conversations::by_address::{self, Contact};
use crate::conversations::{self, NewReply, ReplyEffects};
use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::tenants;

/// How far a Telnyx webhook's timestamp may be from now: older is a replay.
const TELNYX_TOLERANCE_SECS: i64 = 300;

/// Largest webhook body: a text of 1,600 characters with its media links and fields is a few
/// kilobytes.
const BODY_MAX: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/sms/twilio", post(twilio_inbound))
        .route("/webhooks/sms/twilio/status", post(twilio_status))
        .route("/webhooks/sms/telnyx", post(telnyx_webhook))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_MAX))
}

fn bad_signature() -> ApiError {
    ApiError::forbidden(
        "invalid_signature",
        "The webhook's signature does not match: nothing was stored.",
    )
}

fn unknown_number() -> ApiError {
    ApiError::not_found(
        "unknown_number",
        "No workspace has connected this number: nothing was stored.",
    )
}

fn invalid_webhook(e: &impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "invalid_webhook",
        format!("The webhook could not be read: {e}."),
    )
}

/// The URL Twilio signed: the configured public URL (behind a proxy) or this request's own
/// `Host`, with the path and query it was called on.
fn signed_url(state: &AppState, headers: &HeaderMap, uri: &OriginalUri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    match &state.config.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{path}")
        }
    }
}

/// A Twilio form body as its (name, value) pairs, or the 415/400 saying why not.
fn form_params(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Twilio webhooks are application/x-www-form-urlencoded.",
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| invalid_webhook(&e))
}

/// Twilio's answer: an empty TwiML response (the reply goes out through the REST API).
fn twiml_ok() -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
    )
        .into_response()
}

fn verify_twilio(
    channel: &SmsChannel,
    url: &str,
    params: &[(String, String)],
    headers: &HeaderMap,
) -> Result<()> {
    let given = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(bad_signature)?;
    let token = channel.auth_token.as_deref().ok_or_else(bad_signature)?;
    if signature::verify_twilio(token, url, params, given) {
        Ok(())
    } else {
        Err(bad_signature())
    }
}

async fn twilio_inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    body: Bytes,
) -> Result<Response> {
    let params = form_params(&headers, &body)?;
    let sms = twilio::parse_inbound(&params).map_err(|e| invalid_webhook(&e))?;
    let channel = store::find_receiving(
        &state.db,
        Provider::Twilio,
        &sms.to,
        sms.messaging_service_sid.as_deref(),
    )
    .await?
    .ok_or_else(unknown_number)?;
    verify_twilio(
        &channel,
        &signed_url(&state, &headers, &uri),
        &params,
        &headers,
    )?;
    receive(&state, &channel, sms).await?;
    Ok(twiml_ok())
}

async fn twilio_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    body: Bytes,
) -> Result<Response> {
    let params = form_params(&headers, &body)?;
    let update = twilio::parse_status(&params).map_err(|e| invalid_webhook(&e))?;
    let channel = sending_channel(&state, &update).await?;
    verify_twilio(
        &channel,
        &signed_url(&state, &headers, &uri),
        &params,
        &headers,
    )?;
    store::record_status(&state.db, &channel, &update).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The channel a delivery report is about: the one that sent that provider message id.
async fn sending_channel(state: &AppState, update: &StatusUpdate) -> Result<SmsChannel> {
    let route = crate::channels::outbox::route_of(&state.db, &update.provider_message_id).await?;
    let channel = match route {
        Some(route) => store::find_by_id(&state.db, &route).await?,
        None => None,
    };
    channel.ok_or_else(|| {
        ApiError::not_found(
            "unknown_message",
            "No message was sent under this id: nothing was stored.",
        )
    })
}

async fn telnyx_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let event = telnyx::parse_event(&body).map_err(|e| invalid_webhook(&e))?;
    let header_text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let verify = |channel: &SmsChannel| -> Result<()> {
        let key = channel.public_key.as_deref().ok_or_else(bad_signature)?;
        let timestamp = header_text("telnyx-timestamp").ok_or_else(bad_signature)?;
        let given = header_text("telnyx-signature-ed25519").ok_or_else(bad_signature)?;
        let now = crate::db::now_ms() / 1000;
        signature::verify_telnyx(key, &timestamp, &given, &body, now, TELNYX_TOLERANCE_SECS)
            .map_err(|e| {
                tracing::info!(reason = %e, "a Telnyx webhook failed its signature check");
                bad_signature()
            })
    };
    match event {
        telnyx::TelnyxEvent::Received(sms) => {
            let channel = store::find_receiving(&state.db, Provider::Telnyx, &sms.to, None)
                .await?
                .ok_or_else(unknown_number)?;
            verify(&channel)?;
            receive(&state, &channel, sms).await?;
        }
        telnyx::TelnyxEvent::Status(update) => {
            let channel = sending_channel(&state, &update).await?;
            verify(&channel)?;
            store::record_status(&state.db, &channel, &update).await?;
        }
        // Acknowledged so Telnyx does not retry; nothing to do.
        telnyx::TelnyxEvent::Other(_) => {}
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The text as stored: the body, and a line per attachment (MMS) so agents can open it.
fn stored_text(sms: &InboundSms) -> String {
    let mut text = sms.body.trim().to_owned();
    for url in &sms.media {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("[attachment] ");
        text.push_str(url);
    }
    if text.is_empty() {
        text.push_str("(empty message)");
    }
    text
}

/// The sender's number in E.164 when it reads as a phone number (read in the workspace's
/// region); a short code or an alphanumeric sender stays as given.
pub fn sender_number(raw: &str, region: &str) -> String {
    let region = clients::extract::region(region).unwrap_or(phonenumber::country::Id::US);
    match phonenumber::parse(Some(region), raw) {
        Ok(number) if phonenumber::is_valid(&number) => {
            number.format().mode(phonenumber::Mode::E164).to_string()
        }
        _ => raw.trim().to_owned(),
    }
}

/// Stores a verified text once and sets its answer going.
async fn receive(state: &AppState, channel: &SmsChannel, sms: InboundSms) -> Result<()> {
    let db = &state.db;
    let tenant_id = channel.tenant_id.as_str();
    if by_address::external_id_seen(db, tenant_id, Channel::Sms, &sms.provider_message_id).await? {
        return Ok(());
    }
    let tenant = tenants::find_tenant(db, tenant_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let from = sender_number(&sms.from, &tenant.default_region);
    let client_id = clients::find_or_create_by_phone(db, tenant_id, &from).await?;
    let assistant = pipeline::default_assistant(state, tenant_id).await?;
    let contact = Contact {
        tenant_id,
        channel: Channel::Sms,
        channel_ref: &channel.id,
        address: &from,
        client_id: &client_id,
        // Past a capped plan's conversations, a new one goes to the team.
        to_team: crate::usage::at_cap(db, &state.config, tenant_id).await?,
    };
    let conversation = by_address::open_for_contact(db, &contact, &assistant.assistant.id).await?;
    let text = stored_text(&sms);
    let stored = by_address::insert_customer_message(
        db,
        &contact,
        &conversation.id,
        &text,
        &sms.provider_message_id,
        None,
    )
    .await?;
    let Some(stored) = stored else {
        // A redelivery that raced this one stored it.
        return Ok(());
    };
    let delivery = Delivery {
        channel: Channel::Sms,
        route: channel.id.clone(),
        recipient: from.clone(),
        delay_ms: 0,
    };
    match keywords::classify(&sms.body) {
        // The provider confirms STOP and START to the customer itself.
        Some(Keyword::Stop) => return Ok(store::opt_out(db, tenant_id, &from).await?),
        Some(Keyword::Start) => return Ok(store::opt_in(db, tenant_id, &from).await?),
        Some(Keyword::Help) => {
            let help = format!(
                "{}: reply with your question and we will answer here. Reply STOP to stop messages, START to resume.",
                tenant.company_name
            );
            conversations::insert_reply(
                db,
                NewReply {
                    id: None,
                    tenant_id: tenant_id.to_owned(),
                    conversation_id: conversation.id.clone(),
                    session_id: None,
                    reply_to: stored,
                    author: shared::api::Author::Assistant,
                    author_name: Some(tenant.company_name.clone()),
                    body: help,
                    model: "sms-keywords".to_owned(),
                    tokens: None,
                    decision: None,
                    channel: Channel::Sms,
                    delivery: Some(delivery),
                },
                &ReplyEffects::default(),
            )
            .await?;
            state.outbox_wake.notify_waiters();
            return Ok(());
        }
        None => {}
    }
    // The sender's number is proven by the provider's signature: what they say about
    // themselves fills gaps on their client.
    if let Err(e) = clients::mentions::note(db, &tenant, &client_id, &stored, true).await {
        tracing::warn!(error = %e, "reading contact details from a text");
    }
    let mut conn = db.pool.acquire().await?;
    let stopped = store::opted_out(&mut conn, tenant_id, &from).await?;
    drop(conn);
    if stopped || !conversation.assistant_answers() {
        return Ok(());
    }
    let inbound = Inbound {
        tenant_id: tenant_id.to_owned(),
        session: None,
        client_id,
        channel: Channel::Sms,
        message: stored,
        conversation: None,
        fresh: true,
        message_count: None,
        delivery: Some(delivery),
    };
    let state = state.clone();
    tokio::spawn(async move {
        match pipeline::answer_once(&state, inbound).await {
            Ok(_) => state.outbox_wake.notify_waiters(),
            Err(e) => tracing::error!(error = %e, "answering a text"),
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_read_as_e164_in_the_workspace_region_and_a_short_code_kept() {
        assert_eq!(sender_number("+14155550100", "US"), "+14155550100");
        assert_eq!(sender_number("020 7946 0018", "GB"), "+442079460018");
        assert_eq!(sender_number("72345", "US"), "72345");
        assert_eq!(sender_number("ACME", "US"), "ACME");
    }

    #[test]
    fn attachments_are_listed_and_an_empty_text_named() {
        let sms = |body: &str, media: &[&str]| InboundSms {
            provider_message_id: "SM1".into(),
            from: "+1".into(),
            to: "+2".into(),
            body: body.into(),
            messaging_service_sid: None,
            media: media.iter().map(|m| (*m).to_owned()).collect(),
        };
        assert_eq!(stored_text(&sms(" hi ", &[])), "hi");
        assert_eq!(
            stored_text(&sms("look", &["https://m.example/1.jpg"])),
            "look\n[attachment] https://m.example/1.jpg"
        );
        assert_eq!(stored_text(&sms("", &[])), "(empty message)");
    }
}
