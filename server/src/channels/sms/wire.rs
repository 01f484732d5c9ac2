//! Provider-neutral SMS wire types shared by the Twilio and Telnyx adapters: the inbound message
//! and delivery-status shapes the rest of the server consumes, the outcome of a send, and the two
//! error types (a webhook that cannot be understood, a send that did not go through). Keeping
//! them here means the conversation code never has to know which provider carried a message, and
//! every provider maps onto the same retry and opt-out semantics.

use thiserror::Error;

/// How many characters of a stranger-supplied value an error message may quote. Webhook bodies
/// come from the internet; an error that echoes them whole would let anyone fill the logs.
const QUOTE_LIMIT: usize = 64;

/// An SMS (or MMS) that arrived from a phone, as a provider reported it in a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    /// The provider's id for this message (Twilio `MessageSid`, Telnyx `payload.id`); stable
    /// across webhook retries, so it is the key to de-duplicate on.
    pub provider_message_id: String,
    /// The sender's number, as the provider wrote it (E.164 for long codes).
    pub from: String,
    /// Our number (or short code) the message was sent to.
    pub to: String,
    /// The text. Empty when the message carried only media.
    pub body: String,
    /// The provider's sender-grouping id: Twilio's `MessagingServiceSid`, Telnyx's
    /// `messaging_profile_id`. `None` when the number is not attached to one.
    pub messaging_service_sid: Option<String>,
    /// URLs of attached media (MMS), in the provider's order.
    pub media: Vec<String>,
}

/// Where an outbound message is in its life, reduced to what the inbox shows (the providers'
/// reports never say `Unknown`: only our outbox does).
pub use shared::dashboard::DeliveryStatus;

/// A delivery-status report for a message we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The provider's id of the message this report is about (as returned by `send`).
    pub provider_message_id: String,
    pub status: DeliveryStatus,
    /// The provider's error code when the message failed (Twilio `ErrorCode` such as `30003`,
    /// Telnyx `errors[0].code` such as `40001`).
    pub error_code: Option<String>,
    /// The provider's short description of that error, when it sent one.
    pub error_message: Option<String>,
    /// True when the failure is because the recipient opted out (texted STOP): Twilio 21610,
    /// Telnyx 40300. The contact should be marked opted out and not messaged again.
    pub opted_out: bool,
}

/// A message the provider accepted for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The provider's id of the new message; status webhooks refer to it.
    pub provider_message_id: String,
    /// The status the provider reported at creation (normally `Queued`).
    pub status: DeliveryStatus,
}

/// A webhook body that is not a usable message or status report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// A required field is absent or empty; the string names it as the provider spells it.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field is present but its value makes no sense (e.g. `NumMedia=abc`).
    #[error("invalid field `{field}`: {reason}")]
    InvalidField { field: &'static str, reason: String },
    /// A delivery status this adapter does not know (quoted, shortened).
    #[error("unknown delivery status `{0}`")]
    UnknownStatus(String),
    /// The body is not the JSON shape the provider documents.
    #[error("malformed webhook body: {0}")]
    Malformed(String),
}

/// Why a send did not produce a [`Sent`]. [`SendError::is_retryable`] says whether trying again
/// later may succeed.
#[derive(Debug, Error)]
pub enum SendError {
    /// The request was refused before anything went on the wire (e.g. no sender given).
    #[error("invalid SMS request: {0}")]
    InvalidRequest(&'static str),
    /// The request could not be completed: connection refused or reset, DNS failure, timeout.
    #[error("network error talking to the SMS provider: {0}")]
    Network(#[source] reqwest::Error),
    /// HTTP 429: the provider wants us to slow down.
    #[error("rate limited by the SMS provider (HTTP 429{})", describe(.code.as_deref(), .message.as_deref()))]
    RateLimited {
        code: Option<String>,
        message: Option<String>,
        /// The `Retry-After` header in seconds, when the provider sent one.
        retry_after_secs: Option<u64>,
    },
    /// HTTP 5xx: the provider failed; the same request may succeed later.
    #[error("SMS provider server error (HTTP {status}{})", describe(.code.as_deref(), .message.as_deref()))]
    Server {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// The recipient has opted out (Twilio 21610, Telnyx 40300). Never retry; mark the contact.
    #[error("recipient has opted out of SMS (HTTP {status}, code {code})")]
    OptedOut {
        status: u16,
        code: String,
        message: Option<String>,
    },
    /// Any other 4xx: the provider refused this request and will refuse it again.
    #[error("SMS provider rejected the request (HTTP {status}{})", describe(.code.as_deref(), .message.as_deref()))]
    Rejected {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
    /// The provider answered with something we cannot read (including a success without a
    /// message id). Not retryable: the message may well have been created, and a retry could
    /// send it twice.
    #[error("unexpected response from the SMS provider: {0}")]
    InvalidResponse(String),
}

impl SendError {
    /// Whether the same request may succeed later: network failures, timeouts, 429 and 5xx.
    /// A request that failed to build (a malformed `api_base`) is not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Network(e) => !e.is_builder(),
            SendError::RateLimited { .. } | SendError::Server { .. } => true,
            SendError::InvalidRequest(_)
            | SendError::OptedOut { .. }
            | SendError::Rejected { .. }
            | SendError::InvalidResponse(_) => false,
        }
    }

    /// Whether the recipient has opted out of messages from us.
    pub fn is_opted_out(&self) -> bool {
        matches!(self, SendError::OptedOut { .. })
    }

    /// The provider's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            SendError::OptedOut { code, .. } => Some(code),
            SendError::RateLimited { code, .. }
            | SendError::Server { code, .. }
            | SendError::Rejected { code, .. } => code.as_deref(),
            SendError::InvalidRequest(_)
            | SendError::Network(_)
            | SendError::InvalidResponse(_) => None,
        }
    }

    /// The provider's human-readable error message, when it sent one.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            SendError::RateLimited { message, .. }
            | SendError::Server { message, .. }
            | SendError::OptedOut { message, .. }
            | SendError::Rejected { message, .. } => message.as_deref(),
            SendError::InvalidRequest(_)
            | SendError::Network(_)
            | SendError::InvalidResponse(_) => None,
        }
    }

    /// The HTTP status the provider answered with, when there was an answer.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            SendError::RateLimited { .. } => Some(429),
            SendError::Server { status, .. }
            | SendError::OptedOut { status, .. }
            | SendError::Rejected { status, .. } => Some(*status),
            SendError::InvalidRequest(_)
            | SendError::Network(_)
            | SendError::InvalidResponse(_) => None,
        }
    }
}

/// `", code X: message"` for error displays, or nothing.
fn describe(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(", code {c}: {m}"),
        (Some(c), None) => format!(", code {c}"),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    }
}

/// At most [`QUOTE_LIMIT`] characters of `s`, with `…` when shortened; for quoting
/// stranger-supplied values in errors.
pub(crate) fn quote(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(QUOTE_LIMIT).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// What the non-2xx part of a provider answer boils down to, before it becomes a [`SendError`].
pub(crate) struct ProviderFailure {
    pub status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
    pub opted_out: bool,
    pub retry_after_secs: Option<u64>,
}

impl ProviderFailure {
    /// Sorts a failed answer into the [`SendError`] variant its status and code call for. An
    /// opt-out code wins over the HTTP status, so it is never retried.
    pub(crate) fn into_error(self) -> SendError {
        let ProviderFailure {
            status,
            code,
            message,
            opted_out,
            retry_after_secs,
        } = self;
        if opted_out {
            return SendError::OptedOut {
                status,
                code: code.unwrap_or_default(),
                message,
            };
        }
        match status {
            429 => SendError::RateLimited {
                code,
                message,
                retry_after_secs,
            },
            500..=599 => SendError::Server {
                status,
                code,
                message,
            },
            400..=499 => SendError::Rejected {
                status,
                code,
                message,
            },
            other => SendError::InvalidResponse(format!("unexpected HTTP status {other}")),
        }
    }
}

/// The `Retry-After` header as whole seconds; the HTTP-date form is ignored.
pub(crate) fn retry_after_secs(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A JSON error code as text: providers send numbers (Twilio `21610`) or strings (Telnyx
/// `"40300"`).
pub(crate) fn code_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: u16, code: Option<&str>, opted_out: bool) -> SendError {
        ProviderFailure {
            status,
            code: code.map(str::to_owned),
            message: Some("msg".to_owned()),
            opted_out,
            retry_after_secs: Some(3),
        }
        .into_error()
    }

    #[test]
    fn failures_sort_into_retryable_and_permanent() {
        let e = failure(429, Some("20429"), false);
        assert!(matches!(
            e,
            SendError::RateLimited {
                retry_after_secs: Some(3),
                ..
            }
        ));
        assert!(e.is_retryable());
        assert_eq!(e.http_status(), Some(429));

        for status in [500, 502, 503, 599] {
            let e = failure(status, None, false);
            assert!(matches!(e, SendError::Server { .. }), "{status}");
            assert!(e.is_retryable());
        }
        for status in [400, 401, 403, 404, 422] {
            let e = failure(status, Some("21211"), false);
            assert!(matches!(e, SendError::Rejected { .. }), "{status}");
            assert!(!e.is_retryable());
            assert_eq!(e.code(), Some("21211"));
            assert_eq!(e.provider_message(), Some("msg"));
        }
        let e = failure(302, None, false);
        assert!(matches!(e, SendError::InvalidResponse(_)));
        assert!(!e.is_retryable());
    }

    #[test]
    fn opt_out_wins_over_the_status() {
        for status in [400, 403, 429, 500] {
            let e = failure(status, Some("21610"), true);
            assert!(e.is_opted_out(), "{status}");
            assert!(!e.is_retryable());
            assert_eq!(e.code(), Some("21610"));
            assert_eq!(e.http_status(), Some(status));
        }
    }

    #[test]
    fn displays_name_status_code_and_message() {
        let e = failure(400, Some("21211"), false);
        assert_eq!(
            e.to_string(),
            "SMS provider rejected the request (HTTP 400, code 21211: msg)"
        );
        let e = SendError::Server {
            status: 503,
            code: None,
            message: None,
        };
        assert_eq!(e.to_string(), "SMS provider server error (HTTP 503)");
        assert!(failure(400, Some("40300"), true)
            .to_string()
            .contains("opted out"));
    }

    #[test]
    fn quote_shortens_long_values_on_char_boundaries() {
        assert_eq!(quote("short"), "short");
        let long = "é".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_LIMIT + 1);
        assert!(q.ends_with('…'));
        assert_eq!(quote(""), "");
    }

    #[test]
    fn code_text_accepts_numbers_and_strings() {
        assert_eq!(
            code_text(&serde_json::json!(21610)),
            Some("21610".to_owned())
        );
        assert_eq!(
            code_text(&serde_json::json!("40300")),
            Some("40300".to_owned())
        );
        assert_eq!(code_text(&serde_json::json!("  ")), None);
        assert_eq!(code_text(&serde_json::json!(null)), None);
        assert_eq!(code_text(&serde_json::json!({"a": 1})), None);
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after_secs(&h), None);
        h.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("12"),
        );
        assert_eq!(retry_after_secs(&h), Some(12));
        h.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after_secs(&h), None);
    }

    #[test]
    fn status_names_are_stable() {
        assert_eq!(DeliveryStatus::Queued.as_str(), "queued");
        assert_eq!(DeliveryStatus::Undelivered.as_str(), "undelivered");
        assert!(DeliveryStatus::Failed.is_failure());
        assert!(DeliveryStatus::Undelivered.is_failure());
        assert!(!DeliveryStatus::Sent.is_failure());
    }
}
