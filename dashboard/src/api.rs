//! The dashboard API: one typed function per route of `shared::dashboard`, over `fetch` with the
//! session cookie (`credentials: same-origin`; the dashboard is served by the API's origin).

use shared::api::ErrorDetail;

/// Why a request did not give the expected answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer: offline, server down, timeout.
    Network,
    /// Any other error status, with the server's error body when it sent one.
    Status {
        status: u16,
        /// Seconds, from the `Retry-After` header.
        retry_after: Option<u64>,
        detail: Option<ErrorDetail>,
    },
    /// A 2xx whose body we could not read.
    Unexpected,
}

impl ApiError {
    /// A sentence for the teammate.
    pub fn message(&self) -> String {
        match self {
            Self::Network => {
                "Couldn't reach the server. Check your connection and try again.".to_owned()
            }
            Self::Unexpected => "The server sent an answer we couldn't read.".to_owned(),
            Self::Status {
                status: 429,
                retry_after: Some(secs),
                ..
            } => format!("Too many attempts, wait {secs} s."),
            Self::Status {
                detail: Some(d), ..
            } if !d.message.trim().is_empty() => d.message.clone(),
            Self::Status { status: 429, .. } => {
                "Too many attempts, wait a moment and try again.".to_owned()
            }
            Self::Status { status, .. } => {
                format!("Something went wrong (error {status}). Please try again.")
            }
        }
    }

    /// 401: the session is missing or over (or, on login, the password was wrong).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Status { status: 401, .. })
    }

    /// The server's stable error code (`opted_out`, `provider_refused`, …), when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Status {
                detail: Some(d), ..
            } => Some(&d.code),
            _ => None,
        }
    }

    /// The request field at fault, when the server named one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Status {
                detail: Some(ErrorDetail { field, .. }),
                ..
            } => field.as_deref(),
            _ => None,
        }
    }
}

impl From<shared::form::FieldError> for ApiError {
    /// A shared parser's complaint, found before sending: shown like the server's 422 naming
    /// the field (the server runs the same parser).
    fn from(e: shared::form::FieldError) -> Self {
        Self::Status {
            status: 422,
            retry_after: None,
            detail: Some(ErrorDetail {
                code: e.code.to_owned(),
                message: e.message,
                field: Some(e.field.to_owned()),
            }),
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our server).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

pub use shared::dashboard::ConversationAction as Action;

/// How the dashboard shows an action.
pub trait ActionView {
    fn label(self) -> &'static str;
    fn test_id(self) -> &'static str;
}

impl ActionView for Action {
    fn label(self) -> &'static str {
        match self {
            Self::TakeOver => "Take over",
            Self::HandBack => "Hand back to AI",
            Self::Resolve => "Resolve",
            Self::Reopen => "Reopen",
        }
    }

    fn test_id(self) -> &'static str {
        match self {
            Self::TakeOver => "action-takeover",
            Self::HandBack => "action-handback",
            Self::Resolve => "action-resolve",
            Self::Reopen => "action-reopen",
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub mod assistants;
/// Connected channels (SMS numbers, email addresses, voice numbers) and an agent's first text.
#[cfg(target_arch = "wasm32")]
pub mod channels;
#[cfg(target_arch = "wasm32")]
mod fetch;
/// Routing rules, handoff settings and business hours.
#[cfg(target_arch = "wasm32")]
pub mod routing;
#[cfg(target_arch = "wasm32")]
pub use fetch::*;
/// The billing cycle's usage.
#[cfg(target_arch = "wasm32")]
pub mod usage;
/// Workspaces, invitations, teammates and the user's own account.
#[cfg(target_arch = "wasm32")]
pub mod workspace;

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, retry_after: Option<u64>, message: Option<&str>) -> ApiError {
        ApiError::Status {
            status,
            retry_after,
            detail: message.map(|m| ErrorDetail {
                code: "x".into(),
                message: m.into(),
                field: Some("email".into()),
            }),
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            status(429, Some(30), Some("slow down")).message(),
            "Too many attempts, wait 30 s."
        );
        assert_eq!(
            status(401, None, Some("Wrong email or password.")).message(),
            "Wrong email or password."
        );
        assert!(status(401, None, None).is_unauthorized());
        assert_eq!(status(400, None, Some("bad")).field(), Some("email"));
        assert!(status(500, None, None).message().contains("500"));
        assert_eq!(parse_retry_after(" 12 "), Some(12));
    }

    #[test]
    fn a_parser_complaint_reads_like_the_servers_422() {
        let e = ApiError::from(shared::form::FieldError::new(
            "phoneNumber",
            "invalid_phone",
            "Write the number in E.164.",
        ));
        assert_eq!(e.field(), Some("phoneNumber"));
        assert_eq!(e.message(), "Write the number in E.164.");
        assert_eq!(e.code(), Some("invalid_phone"));
        assert_eq!(ApiError::Network.code(), None);
        assert!(!e.is_unauthorized());
    }

    #[test]
    fn actions_follow_the_status() {
        let json = serde_json::json!({
            "id": "cv", "channel": "web", "status": "open", "client": null,
            "assistantId": null, "assistantName": null, "intent": null,
            "assigneeId": null, "assigneeName": null, "aiPaused": false,
            "flagged": false, "flagReason": null, "lastMessage": null,
            "lastMessageAuthor": null, "lastMessageAt": 0, "createdAt": 0,
            "messageCount": 0, "unread": false
        });
        let mut c: shared::dashboard::ConversationSummary = serde_json::from_value(json).unwrap();
        assert_eq!(Action::available(&c), [Action::TakeOver, Action::Resolve]);
        c.ai_paused = true;
        assert_eq!(Action::available(&c), [Action::HandBack, Action::Resolve]);
        c.status = shared::api::ConversationStatus::Resolved;
        assert_eq!(Action::available(&c), [Action::Reopen]);
    }
}
