//! Telnyx's v2 messaging wire format: reading the JSON webhooks Telnyx posts (an incoming
//! message, `message.received`; a delivery-status change, `message.sent` and
//! `message.finalized`) and sending a message through the REST API (`POST /v2/messages`,
//! bearer API key). Everything is mapped onto the provider-neutral types in `wire`, so the
//! conversation code does not care which provider carried a message. Verify the Ed25519
//! signature (see `signature`) on the raw body before parsing a webhook.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::wire::{code_text, quote, retry_after_secs, ProviderFailure};
pub use super::wire::{DeliveryStatus, InboundSms, SendError, Sent, StatusUpdate, WireError};

/// Telnyx's production REST API.
pub const API_BASE: &str = "https://api.telnyx.com";

/// Telnyx's error code for "Blocked due to STOP message": the recipient texted STOP to this
/// messaging profile.
pub const OPT_OUT_ERROR_CODE: &str = "40300";

/// Credentials for one Telnyx account. `Debug` never prints the API key.
#[derive(Clone, PartialEq, Eq)]
pub struct TelnyxAccount {
    /// `https://api.telnyx.com` in production ([`API_BASE`]); a stub server's URL in tests. A
    /// trailing `/` is ignored.
    pub api_base: String,
    /// The API key (`KEY…`), sent as a bearer token.
    pub api_key: String,
}

impl TelnyxAccount {
    /// An account on Telnyx's production API.
    pub fn production(api_key: impl Into<String>) -> Self {
        TelnyxAccount {
            api_base: API_BASE.to_owned(),
            api_key: api_key.into(),
        }
    }
}

impl fmt::Debug for TelnyxAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelnyxAccount")
            .field("api_base", &self.api_base)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// A message to send. At least one of `from` and `messaging_profile_id` is required; with only
/// a profile, Telnyx picks the sender from the profile's number pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundSms<'a> {
    /// Our sending number (E.164), short code or alphanumeric sender ID.
    pub from: Option<&'a str>,
    pub messaging_profile_id: Option<&'a str>,
    /// The recipient (E.164).
    pub to: &'a str,
    pub body: &'a str,
    /// Where Telnyx posts this message's status webhooks, instead of the profile's URL.
    pub webhook_url: Option<&'a str>,
}

/// A webhook Telnyx posted, as far as the SMS channel cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelnyxEvent {
    /// `message.received`: a message from a phone. `messaging_service_sid` holds the
    /// `messaging_profile_id`.
    Received(InboundSms),
    /// `message.sent` or `message.finalized`: the status of a message we sent.
    Status(StatusUpdate),
    /// Any other event type (shortened to 64 characters); acknowledge it and move on.
    Other(String),
}

#[derive(Deserialize)]
struct Envelope {
    data: Option<EventData>,
}

#[derive(Deserialize)]
struct EventData {
    event_type: Option<String>,
    /// Kept as a value until the event type says what shape it has: other products' events
    /// (calls, faxes) reuse field names with other types.
    #[serde(default)]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
struct MessagePayload {
    id: Option<String>,
    from: Option<Endpoint>,
    to: Option<Vec<Endpoint>>,
    text: Option<String>,
    media: Option<Vec<Media>>,
    messaging_profile_id: Option<String>,
    errors: Option<Vec<ApiError>>,
}

#[derive(Deserialize)]
struct Endpoint {
    phone_number: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    url: Option<String>,
}

/// One entry of Telnyx's `errors` array, in API answers and in message payloads.
#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: serde_json::Value,
    title: Option<String>,
    detail: Option<String>,
}

impl ApiError {
    fn code(&self) -> Option<String> {
        code_text(&self.code)
    }

    /// `"title: detail"`, or whichever of the two is there.
    fn message(&self) -> Option<String> {
        let title = self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let detail = self
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match (title, detail) {
            (Some(t), Some(d)) => Some(format!("{t}: {d}")),
            (Some(t), None) => Some(t.to_owned()),
            (None, Some(d)) => Some(d.to_owned()),
            (None, None) => None,
        }
    }
}

/// `s` trimmed, unless that leaves nothing.
fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Maps a Telnyx recipient status (`payload.to[].status`) onto [`DeliveryStatus`]: `queued`
/// and `sending` are `Queued`; `sent` and `delivery_unconfirmed` (the carrier gave no receipt)
/// are `Sent`; `delivered` is `Delivered`; `delivery_failed` and `expired` are `Undelivered`;
/// `sending_failed` is `Failed`. Anything else (such as the inbound `webhook_delivered`) is an
/// error.
pub fn delivery_status(status: &str) -> Result<DeliveryStatus, WireError> {
    let s = status.trim().to_ascii_lowercase();
    Ok(match s.as_str() {
        "queued" | "sending" => DeliveryStatus::Queued,
        "sent" | "delivery_unconfirmed" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "delivery_failed" | "expired" => DeliveryStatus::Undelivered,
        "sending_failed" => DeliveryStatus::Failed,
        _ => return Err(WireError::UnknownStatus(quote(status))),
    })
}

/// Reads a Telnyx webhook body (the raw bytes, after the signature check):
/// `{"data": {"event_type": ..., "payload": {...}}, "meta": {...}}`.
///
/// `message.received` needs `payload.id`, `payload.from.phone_number` and
/// `payload.to[0].phone_number`; the text may be absent (media only). `message.sent` and
/// `message.finalized` need `payload.id`, and read the status of the first recipient
/// (`payload.to[0].status`; a `message.sent` without one is `Sent`) and the first entry of
/// `payload.errors`. Group messages are reduced to that first recipient.
pub fn parse_event(raw: &[u8]) -> Result<TelnyxEvent, WireError> {
    let envelope: Envelope =
        serde_json::from_slice(raw).map_err(|e| WireError::Malformed(e.to_string()))?;
    let data = envelope.data.ok_or(WireError::MissingField("data"))?;
    let event_type =
        nonempty(data.event_type.as_deref()).ok_or(WireError::MissingField("data.event_type"))?;
    match event_type {
        "message.received" => parse_received(data.payload).map(TelnyxEvent::Received),
        "message.sent" | "message.finalized" => {
            parse_status(data.payload, event_type == "message.sent").map(TelnyxEvent::Status)
        }
        other => Ok(TelnyxEvent::Other(quote(other))),
    }
}

fn message_payload(payload: serde_json::Value) -> Result<MessagePayload, WireError> {
    if payload.is_null() {
        return Err(WireError::MissingField("data.payload"));
    }
    serde_json::from_value(payload).map_err(|e| WireError::Malformed(format!("data.payload: {e}")))
}

fn parse_received(payload: serde_json::Value) -> Result<InboundSms, WireError> {
    let payload = message_payload(payload)?;
    let provider_message_id =
        nonempty(payload.id.as_deref()).ok_or(WireError::MissingField("data.payload.id"))?;
    let from = nonempty(
        payload
            .from
            .as_ref()
            .and_then(|f| f.phone_number.as_deref()),
    )
    .ok_or(WireError::MissingField("data.payload.from.phone_number"))?;
    let to = nonempty(
        payload
            .to
            .as_deref()
            .and_then(<[Endpoint]>::first)
            .and_then(|t| t.phone_number.as_deref()),
    )
    .ok_or(WireError::MissingField("data.payload.to.phone_number"))?;
    let media = payload
        .media
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| nonempty(m.url.as_deref()).map(str::to_owned))
        .collect();
    Ok(InboundSms {
        provider_message_id: provider_message_id.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        body: payload.text.unwrap_or_default(),
        messaging_service_sid: nonempty(payload.messaging_profile_id.as_deref()).map(str::to_owned),
        media,
    })
}

fn parse_status(
    payload: serde_json::Value,
    is_sent_event: bool,
) -> Result<StatusUpdate, WireError> {
    let payload = message_payload(payload)?;
    let provider_message_id =
        nonempty(payload.id.as_deref()).ok_or(WireError::MissingField("data.payload.id"))?;
    let recipient_status = nonempty(
        payload
            .to
            .as_deref()
            .and_then(<[Endpoint]>::first)
            .and_then(|t| t.status.as_deref()),
    );
    let status = match recipient_status {
        Some(s) => delivery_status(s)?,
        None if is_sent_event => DeliveryStatus::Sent,
        None => return Err(WireError::MissingField("data.payload.to.status")),
    };
    let errors = payload.errors.unwrap_or_default();
    let first = errors.first();
    let opted_out = errors
        .iter()
        .any(|e| e.code().as_deref() == Some(OPT_OUT_ERROR_CODE));
    Ok(StatusUpdate {
        provider_message_id: provider_message_id.to_owned(),
        status,
        error_code: first.and_then(ApiError::code),
        error_message: first.and_then(ApiError::message),
        opted_out,
    })
}

/// The JSON body of `POST /v2/messages`.
#[derive(Serialize)]
struct SendBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    to: &'a str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    messaging_profile_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_url: Option<&'a str>,
}

/// The parts of Telnyx's answer to a send that we read.
#[derive(Deserialize)]
struct SendAnswer {
    data: Option<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: Option<String>,
    to: Option<Vec<Endpoint>>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    errors: Option<Vec<ApiError>>,
}

/// Sends `sms` through `account`. Set a timeout on `http`: a request that times out is
/// reported as retryable [`SendError::Network`], though Telnyx may have created the message.
///
/// A 2xx answer gives the new message's id and the first recipient's status (`Queued` when it
/// is absent or unrecognised: the message exists either way). Other answers become a
/// [`SendError`]: 429 and 5xx are retryable; other 4xx are permanent and keep the first error's
/// `code` and `title: detail`; code 40300 is [`SendError::OptedOut`].
pub async fn send(
    http: &reqwest::Client,
    account: &TelnyxAccount,
    sms: &OutboundSms<'_>,
) -> Result<Sent, SendError> {
    if account.api_key.trim().is_empty() {
        return Err(SendError::InvalidRequest("the Telnyx API key is empty"));
    }
    let to = nonempty(Some(sms.to)).ok_or(SendError::InvalidRequest("no recipient"))?;
    if sms.body.trim().is_empty() {
        return Err(SendError::InvalidRequest("the message body is empty"));
    }
    let from = nonempty(sms.from);
    let profile = nonempty(sms.messaging_profile_id);
    if from.is_none() && profile.is_none() {
        return Err(SendError::InvalidRequest(
            "either a sending number or a messaging profile is required",
        ));
    }
    let body = SendBody {
        from,
        to,
        text: sms.body,
        messaging_profile_id: profile,
        webhook_url: nonempty(sms.webhook_url),
    };

    let url = format!("{}/v2/messages", account.api_base.trim_end_matches('/'));
    let response = http
        .post(url)
        .bearer_auth(account.api_key.trim())
        .header(reqwest::header::ACCEPT, "application/json")
        .json(&body)
        .send()
        .await
        .map_err(SendError::Network)?;

    let status = response.status();
    let retry_after = retry_after_secs(response.headers());
    if status.is_success() {
        let bytes = response.bytes().await.map_err(|e| {
            SendError::InvalidResponse(format!("reading Telnyx's answer failed: {e}"))
        })?;
        let answer: SendAnswer = serde_json::from_slice(&bytes).map_err(|e| {
            SendError::InvalidResponse(format!("Telnyx's answer is not the expected JSON: {e}"))
        })?;
        let data = answer.data.ok_or_else(|| {
            SendError::InvalidResponse("Telnyx's answer has no `data`".to_owned())
        })?;
        let provider_message_id =
            nonempty(data.id.as_deref())
                .map(str::to_owned)
                .ok_or_else(|| {
                    SendError::InvalidResponse("Telnyx's answer has no `data.id`".to_owned())
                })?;
        let status = data
            .to
            .as_deref()
            .and_then(<[Endpoint]>::first)
            .and_then(|t| t.status.as_deref())
            .and_then(|s| delivery_status(s).ok())
            .unwrap_or(DeliveryStatus::Queued);
        return Ok(Sent {
            provider_message_id,
            status,
        });
    }

    // A failure: the body is Telnyx's `{"errors": [...]}` when there is one; a body that cannot
    // be read or parsed still leaves the HTTP status to go on.
    let bytes = response.bytes().await.unwrap_or_default();
    let errors = serde_json::from_slice::<ErrorAnswer>(&bytes)
        .ok()
        .and_then(|a| a.errors)
        .unwrap_or_default();
    let opted_out = errors
        .iter()
        .any(|e| e.code().as_deref() == Some(OPT_OUT_ERROR_CODE));
    let first = if opted_out {
        errors
            .iter()
            .find(|e| e.code().as_deref() == Some(OPT_OUT_ERROR_CODE))
    } else {
        errors.first()
    };
    Err(ProviderFailure {
        status: status.as_u16(),
        code: first.and_then(ApiError::code),
        message: first.and_then(ApiError::message),
        opted_out,
        retry_after_secs: retry_after,
    }
    .into_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// An inbound SMS webhook as Telnyx's messaging docs show it.
    const RECEIVED: &str = r#"{
      "data": {
        "event_type": "message.received",
        "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
        "occurred_at": "2019-12-09T20:16:07.588+00:00",
        "payload": {
          "cc": [],
          "completed_at": null,
          "cost": null,
          "direction": "inbound",
          "encoding": "GSM-7",
          "errors": [],
          "from": {
            "carrier": "T-Mobile USA",
            "line_type": "long_code",
            "phone_number": "+13125550001",
            "status": "webhook_delivered"
          },
          "id": "84cca175-9755-4859-b67f-4730d7f58aa3",
          "media": [],
          "messaging_profile_id": "740572b6-099c-44a1-89b9-6c92163bc68d",
          "organization_id": "47a530f8-4362-4526-829b-bcee17fd9f7a",
          "parts": 1,
          "received_at": "2019-12-09T20:16:07.503+00:00",
          "record_type": "message",
          "sent_at": null,
          "tags": [],
          "text": "Hello from Telnyx!",
          "to": [
            {
              "carrier": "Telnyx",
              "line_type": "Wireless",
              "phone_number": "+17735550002",
              "status": "webhook_delivered"
            }
          ],
          "type": "SMS",
          "valid_until": null,
          "webhook_failover_url": null,
          "webhook_url": "https://example.com/webhooks/telnyx"
        },
        "record_type": "event"
      },
      "meta": {
        "attempt": 1,
        "delivered_to": "https://example.com/webhooks/telnyx"
      }
    }"#;

    /// An inbound MMS: no text, two attachments.
    const RECEIVED_MMS: &str = r#"{
      "data": {
        "event_type": "message.received",
        "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
        "occurred_at": "2023-01-23T18:10:02.574Z",
        "payload": {
          "direction": "inbound",
          "errors": [],
          "from": {"carrier": "T-MOBILE USA, INC.", "line_type": "Wireless", "phone_number": "+18665550001"},
          "id": "9c5d1b3e-3f07-4a0e-8f7b-5a1f1f0b2c11",
          "media": [
            {"content_type": "image/jpeg", "sha256": null, "size": 104857, "url": "https://media.telnyx.com/a.jpg"},
            {"content_type": "image/png", "sha256": null, "size": null, "url": "https://media.telnyx.com/b.png"}
          ],
          "messaging_profile_id": null,
          "record_type": "message",
          "text": null,
          "to": [{"carrier": "TELNYX LLC", "line_type": "VoIP", "phone_number": "+18445550001", "status": "webhook_delivered"}],
          "type": "MMS"
        },
        "record_type": "event"
      },
      "meta": {"attempt": 2, "delivered_to": "https://example.com/webhooks/telnyx"}
    }"#;

    /// `message.sent`, as in Telnyx's "delivery update" callback reference.
    const SENT_EVENT: &str = r#"{
      "data": {
        "record_type": "event",
        "id": "86f58db9-0fe3-4adc-9d1f-46e66e6e9323",
        "event_type": "message.sent",
        "occurred_at": "2019-01-23T18:10:02.574Z",
        "payload": {
          "record_type": "message",
          "direction": "outbound",
          "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
          "type": "SMS",
          "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
          "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
          "from": {"phone_number": "+18445550001", "carrier": "TELNYX LLC", "line_type": "VoIP"},
          "to": [{"phone_number": "+18665550001", "status": "sent", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
          "cc": [],
          "text": "Hello, World!",
          "media": [],
          "webhook_url": "https://www.example.com/hooks",
          "webhook_failover_url": "https://backup.example.com/hooks",
          "encoding": "GSM-7",
          "parts": 1,
          "tags": [],
          "cost": {"amount": "0.0051", "currency": "USD"},
          "received_at": "2019-01-23T18:10:02.574Z",
          "sent_at": "2019-01-23T18:10:02.574Z",
          "completed_at": null,
          "valid_until": "2019-01-23T19:10:02.574Z",
          "errors": []
        }
      },
      "meta": {"attempt": 1, "delivered_to": "https://www.example.com/hooks"}
    }"#;

    /// `message.finalized` with a delivery receipt.
    const FINALIZED_DELIVERED: &str = r#"{
      "data": {
        "event_type": "message.finalized",
        "id": "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be",
        "occurred_at": "2019-12-09T21:32:14.148+00:00",
        "payload": {
          "completed_at": "2019-12-09T21:32:14.148+00:00",
          "cost": {"amount": "0.0051", "currency": "USD"},
          "direction": "outbound",
          "encoding": "GSM-7",
          "errors": [],
          "from": {"carrier": "Telnyx", "line_type": "Wireless", "phone_number": "+13125550001"},
          "id": "ac012cbf-5e09-46be-a2c0-5d8a2e5dd6c2",
          "media": [],
          "messaging_profile_id": "83d2343d-1b4e-4b68-a2b8-0ce5a9a1d6a4",
          "organization_id": "9d76d591-1b7e-4b0f-9e08-5ad6a1d2b2b5",
          "parts": 1,
          "received_at": "2019-12-09T21:32:13.596+00:00",
          "record_type": "message",
          "sent_at": "2019-12-09T21:32:13.610+00:00",
          "tags": [],
          "text": "Hello from Telnyx!",
          "to": [{"carrier": "T-MOBILE USA, INC.", "line_type": "Wireless", "phone_number": "+17735550002", "status": "delivered"}],
          "type": "SMS",
          "valid_until": "2019-12-09T22:32:13.596+00:00",
          "webhook_failover_url": null,
          "webhook_url": "https://example.com/webhooks/telnyx"
        },
        "record_type": "event"
      },
      "meta": {"attempt": 1, "delivered_to": "https://example.com/webhooks/telnyx"}
    }"#;

    fn finalized(status: &str, errors: &str) -> String {
        format!(
            r#"{{"data": {{"event_type": "message.finalized", "id": "e1",
                "occurred_at": "2024-05-01T10:00:00.000+00:00",
                "payload": {{"id": "m-1", "direction": "outbound",
                    "from": {{"phone_number": "+13125550001"}},
                    "to": [{{"phone_number": "+17735550002", "status": "{status}"}}],
                    "text": "hi", "errors": {errors}}},
                "record_type": "event"}},
              "meta": {{"attempt": 1}}}}"#
        )
    }

    #[test]
    fn parses_an_inbound_sms() {
        assert_eq!(
            parse_event(RECEIVED.as_bytes()).unwrap(),
            TelnyxEvent::Received(InboundSms {
                provider_message_id: "84cca175-9755-4859-b67f-4730d7f58aa3".to_owned(),
                from: "+13125550001".to_owned(),
                to: "+17735550002".to_owned(),
                body: "Hello from Telnyx!".to_owned(),
                messaging_service_sid: Some("740572b6-099c-44a1-89b9-6c92163bc68d".to_owned()),
                media: vec![],
            })
        );
    }

    #[test]
    fn parses_an_inbound_mms_without_text() {
        let TelnyxEvent::Received(sms) = parse_event(RECEIVED_MMS.as_bytes()).unwrap() else {
            panic!("not a received message");
        };
        assert_eq!(sms.body, "");
        assert_eq!(sms.messaging_service_sid, None);
        assert_eq!(
            sms.media,
            vec![
                "https://media.telnyx.com/a.jpg",
                "https://media.telnyx.com/b.png"
            ]
        );
    }

    #[test]
    fn parses_status_events() {
        assert_eq!(
            parse_event(SENT_EVENT.as_bytes()).unwrap(),
            TelnyxEvent::Status(StatusUpdate {
                provider_message_id: "40385f64-5717-4562-b3fc-2c963f66afa6".to_owned(),
                status: DeliveryStatus::Sent,
                error_code: None,
                error_message: None,
                opted_out: false,
            })
        );
        assert_eq!(
            parse_event(FINALIZED_DELIVERED.as_bytes()).unwrap(),
            TelnyxEvent::Status(StatusUpdate {
                provider_message_id: "ac012cbf-5e09-46be-a2c0-5d8a2e5dd6c2".to_owned(),
                status: DeliveryStatus::Delivered,
                error_code: None,
                error_message: None,
                opted_out: false,
            })
        );
    }

    #[test]
    fn finalized_failures_carry_the_error() {
        let body = finalized(
            "delivery_failed",
            r#"[{"code": "40001", "title": "Not routable", "detail": "The destination number is either a landline or a non-routable wireless number."}]"#,
        );
        let TelnyxEvent::Status(update) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not a status");
        };
        assert_eq!(update.status, DeliveryStatus::Undelivered);
        assert_eq!(update.error_code.as_deref(), Some("40001"));
        assert_eq!(
            update.error_message.as_deref(),
            Some("Not routable: The destination number is either a landline or a non-routable wireless number.")
        );
        assert!(!update.opted_out);

        let body = finalized(
            "sending_failed",
            r#"[{"code": "40300", "title": "Blocked due to STOP message", "detail": "Messages cannot be sent from '+13125550001' to '+17735550002' due to an existing block rule."}]"#,
        );
        let TelnyxEvent::Status(update) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not a status");
        };
        assert_eq!(update.status, DeliveryStatus::Failed);
        assert_eq!(update.error_code.as_deref(), Some(OPT_OUT_ERROR_CODE));
        assert!(update.opted_out);

        // A numeric code and a title without detail.
        let body = finalized(
            "expired",
            r#"[{"code": 40005, "title": "Message expired"}]"#,
        );
        let TelnyxEvent::Status(update) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not a status");
        };
        assert_eq!(update.status, DeliveryStatus::Undelivered);
        assert_eq!(update.error_code.as_deref(), Some("40005"));
        assert_eq!(update.error_message.as_deref(), Some("Message expired"));

        // `errors: null` is no error.
        let body = finalized("delivery_unconfirmed", "null");
        let TelnyxEvent::Status(update) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not a status");
        };
        assert_eq!(update.status, DeliveryStatus::Sent);
        assert_eq!(update.error_code, None);
    }

    #[test]
    fn every_telnyx_status_maps() {
        use DeliveryStatus::*;
        for (s, want) in [
            ("queued", Queued),
            ("sending", Queued),
            ("sent", Sent),
            ("delivery_unconfirmed", Sent),
            ("delivered", Delivered),
            ("delivery_failed", Undelivered),
            ("expired", Undelivered),
            ("sending_failed", Failed),
            ("DELIVERED", Delivered),
        ] {
            assert_eq!(delivery_status(s), Ok(want), "{s}");
        }
        for s in ["webhook_delivered", "received", "", "gw_timeout"] {
            assert!(delivery_status(s).is_err(), "{s}");
        }
        let body = finalized("webhook_delivered", "[]");
        assert_eq!(
            parse_event(body.as_bytes()),
            Err(WireError::UnknownStatus("webhook_delivered".to_owned()))
        );
    }

    #[test]
    fn other_events_pass_through_even_with_other_payload_shapes() {
        // A call event: `from` and `to` are strings there.
        let call = r#"{"data": {"event_type": "call.initiated", "id": "x",
            "payload": {"call_control_id": "v3:abc", "from": "+13125550001", "to": "+17735550002"},
            "record_type": "event"}, "meta": {}}"#;
        assert_eq!(
            parse_event(call.as_bytes()).unwrap(),
            TelnyxEvent::Other("call.initiated".to_owned())
        );
        let no_payload = r#"{"data": {"event_type": "number_order.complete"}}"#;
        assert_eq!(
            parse_event(no_payload.as_bytes()).unwrap(),
            TelnyxEvent::Other("number_order.complete".to_owned())
        );
        let long = format!(r#"{{"data": {{"event_type": "{}"}}}}"#, "x".repeat(5000));
        match parse_event(long.as_bytes()).unwrap() {
            TelnyxEvent::Other(t) => assert!(t.chars().count() <= 65),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let cases: &[(&str, &str)] = &[
            (r#"{}"#, "data"),
            (r#"{"data": null}"#, "data"),
            (r#"{"data": {}}"#, "data.event_type"),
            (r#"{"data": {"event_type": " "}}"#, "data.event_type"),
            (
                r#"{"data": {"event_type": "message.received"}}"#,
                "data.payload",
            ),
            (
                r#"{"data": {"event_type": "message.received", "payload": {"from": {"phone_number": "+1"}, "to": [{"phone_number": "+2"}]}}}"#,
                "data.payload.id",
            ),
            (
                r#"{"data": {"event_type": "message.received", "payload": {"id": "m", "to": [{"phone_number": "+2"}]}}}"#,
                "data.payload.from.phone_number",
            ),
            (
                r#"{"data": {"event_type": "message.received", "payload": {"id": "m", "from": {"phone_number": "+1"}, "to": []}}}"#,
                "data.payload.to.phone_number",
            ),
            (
                r#"{"data": {"event_type": "message.finalized", "payload": {"id": "m", "to": [{"phone_number": "+2"}]}}}"#,
                "data.payload.to.status",
            ),
            (
                r#"{"data": {"event_type": "message.sent", "payload": {"to": [{"status": "sent"}]}}}"#,
                "data.payload.id",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(
                parse_event(body.as_bytes()),
                Err(WireError::MissingField(field)),
                "{body}"
            );
        }
        // message.sent without a recipient status is Sent.
        let body = r#"{"data": {"event_type": "message.sent", "payload": {"id": "m"}}}"#;
        let TelnyxEvent::Status(update) = parse_event(body.as_bytes()).unwrap() else {
            panic!("not a status");
        };
        assert_eq!(update.status, DeliveryStatus::Sent);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_payload = format!(
            r#"{{"data": {{"event_type": "message.received", "payload": {{"x": {}1{}}}}}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let bodies: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"not json".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            b"42".to_vec(),
            b"{\"data\": 5}".to_vec(),
            b"{\"data\": {\"event_type\": 5}}".to_vec(),
            b"{\"data\": {\"event_type\": \"message.received\", \"payload\": []}}".to_vec(),
            b"{\"data\": {\"event_type\": \"message.received\", \"payload\": {\"id\": 5}}}".to_vec(),
            b"{\"data\": {\"event_type\": \"message.received\", \"payload\": {\"id\": \"m\", \"from\": \"+1\"}}}".to_vec(),
            b"{\"data\": {\"event_type\": \"message.finalized\", \"payload\": {\"id\": \"m\", \"to\": {}}}}".to_vec(),
            b"{\"data\": {\"event_type\": \"message.received\"".to_vec(),
            vec![0xff, 0xfe, 0x00],
            deep.into_bytes(),
            deep_payload.into_bytes(),
        ];
        for body in &bodies {
            let result = parse_event(body);
            assert!(
                matches!(result, Err(WireError::Malformed(_))),
                "{:?} -> {result:?}",
                String::from_utf8_lossy(&body[..body.len().min(80)])
            );
        }
    }

    #[test]
    fn debug_redacts_the_api_key() {
        let account = TelnyxAccount::production("KEY0123456789SECRET");
        let shown = format!("{account:?} {account:#?}");
        assert!(!shown.contains("KEY0123456789SECRET"));
        assert!(shown.contains("<redacted>"));
        assert!(shown.contains(API_BASE));
    }

    // ---- sending ----

    const API_KEY: &str = "KEY01890ABCDEF_secret";

    fn account(server: &MockServer) -> TelnyxAccount {
        TelnyxAccount {
            api_base: format!("{}/", server.uri()),
            api_key: API_KEY.to_owned(),
        }
    }

    fn sms<'a>() -> OutboundSms<'a> {
        OutboundSms {
            from: Some("+18445550001"),
            messaging_profile_id: None,
            to: "+18665550001",
            body: "Your order shipped 🎉",
            webhook_url: Some("https://chat.example.com/sms/telnyx/events"),
        }
    }

    fn created() -> serde_json::Value {
        serde_json::json!({
            "data": {
                "record_type": "message",
                "direction": "outbound",
                "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
                "type": "SMS",
                "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
                "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
                "from": {"phone_number": "+18445550001", "carrier": "TELNYX LLC", "line_type": "VoIP"},
                "to": [{"phone_number": "+18665550001", "status": "queued", "carrier": "T-MOBILE USA, INC.", "line_type": "Wireless"}],
                "cc": [],
                "text": "Your order shipped 🎉",
                "media": [],
                "webhook_url": "https://chat.example.com/sms/telnyx/events",
                "webhook_failover_url": null,
                "encoding": "UCS-2",
                "parts": 1,
                "tags": [],
                "cost": null,
                "received_at": "2024-05-01T10:00:00.000+00:00",
                "sent_at": null,
                "completed_at": null,
                "valid_until": null,
                "errors": []
            }
        })
    }

    async fn sent_json(server: &MockServer) -> serde_json::Value {
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        serde_json::from_slice(&requests[0].body).unwrap()
    }

    #[tokio::test]
    async fn sends_and_reads_the_created_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/messages"))
            .and(header(
                "authorization",
                format!("Bearer {API_KEY}").as_str(),
            ))
            .and(header("content-type", "application/json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(created()))
            .expect(1)
            .mount(&server)
            .await;
        let sent = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap();
        assert_eq!(
            sent,
            Sent {
                provider_message_id: "40385f64-5717-4562-b3fc-2c963f66afa6".to_owned(),
                status: DeliveryStatus::Queued,
            }
        );
        assert_eq!(
            sent_json(&server).await,
            serde_json::json!({
                "from": "+18445550001",
                "to": "+18665550001",
                "text": "Your order shipped 🎉",
                "webhook_url": "https://chat.example.com/sms/telnyx/events"
            })
        );
    }

    #[tokio::test]
    async fn sends_from_a_messaging_profile() {
        let server = MockServer::start().await;
        let mut body = created();
        body["data"]["to"] = serde_json::json!([]);
        Mock::given(method("POST"))
            .and(path("/v2/messages"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let msg = OutboundSms {
            from: None,
            messaging_profile_id: Some("4000eba1-a0c0-4563-9925-b25e842a7cb6"),
            webhook_url: None,
            ..sms()
        };
        let sent = send(&reqwest::Client::new(), &account(&server), &msg)
            .await
            .unwrap();
        // No recipient status in the answer: Queued.
        assert_eq!(sent.status, DeliveryStatus::Queued);
        assert_eq!(
            sent_json(&server).await,
            serde_json::json!({
                "to": "+18665550001",
                "text": "Your order shipped 🎉",
                "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6"
            })
        );
    }

    #[tokio::test]
    async fn a_400_keeps_the_first_error() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "errors": [
                    {"code": "10002", "title": "Invalid phone number",
                     "detail": "The 'to' phone number is invalid.",
                     "source": {"pointer": "/to"}},
                    {"code": "10004", "title": "Missing required parameter"}
                ]
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendError::Rejected { status: 400, .. }),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        assert_eq!(err.code(), Some("10002"));
        assert_eq!(
            err.provider_message(),
            Some("Invalid phone number: The 'to' phone number is invalid.")
        );
    }

    #[tokio::test]
    async fn a_stop_block_is_opted_out() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "errors": [{
                    "code": "40300",
                    "title": "Blocked due to STOP message",
                    "detail": "Messages cannot be sent from '+18445550001' to '+18665550001' due to an existing block rule."
                }]
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(err.is_opted_out(), "{err:?}");
        assert!(!err.is_retryable());
        assert_eq!(err.code(), Some(OPT_OUT_ERROR_CODE));
    }

    #[tokio::test]
    async fn a_500_is_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::Server {
                    status: 503,
                    code: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn a_429_is_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("retry-after", "2")
                    .set_body_json(serde_json::json!({
                        "errors": [{"code": "10011", "title": "Too many requests"}]
                    })),
            )
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                SendError::RateLimited {
                    retry_after_secs: Some(2),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
        assert_eq!(err.code(), Some("10011"));
    }

    #[tokio::test]
    async fn a_401_is_permanent_and_does_not_leak_the_key() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "errors": [{"code": "10009", "title": "Authentication failed",
                            "detail": "The required authentication headers were either invalid or not included in the request."}]
            })))
            .mount(&server)
            .await;
        let err = send(&reqwest::Client::new(), &account(&server), &sms())
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Rejected { status: 401, .. }));
        assert!(!err.is_retryable());
        assert!(!format!("{err} {err:?}").contains(API_KEY));
    }

    #[tokio::test]
    async fn unreadable_success_is_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"data": {"to": []}})),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"errors": []})),
            )
            .mount(&server)
            .await;
        for _ in 0..3 {
            let err = send(&reqwest::Client::new(), &account(&server), &sms())
                .await
                .unwrap_err();
            assert!(matches!(err, SendError::InvalidResponse(_)), "{err:?}");
            assert!(!err.is_retryable());
        }
    }

    #[tokio::test]
    async fn timeouts_are_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(created())
                    .set_delay(Duration::from_secs(5)),
            )
            .mount(&server)
            .await;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = send(&http, &account(&server), &sms()).await.unwrap_err();
        assert!(
            matches!(&err, SendError::Network(e) if e.is_timeout()),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn invalid_requests_never_reach_telnyx() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(created()))
            .expect(0)
            .mount(&server)
            .await;
        let http = reqwest::Client::new();
        let cases: Vec<(TelnyxAccount, OutboundSms<'_>)> = vec![
            (
                account(&server),
                OutboundSms {
                    from: Some(""),
                    messaging_profile_id: None,
                    ..sms()
                },
            ),
            (account(&server), OutboundSms { to: " ", ..sms() }),
            (account(&server), OutboundSms { body: "", ..sms() }),
            (
                TelnyxAccount {
                    api_key: " ".to_owned(),
                    ..account(&server)
                },
                sms(),
            ),
        ];
        for (acct, msg) in &cases {
            let err = send(&http, acct, msg).await.unwrap_err();
            assert!(matches!(err, SendError::InvalidRequest(_)), "{err:?}");
        }
    }
}
