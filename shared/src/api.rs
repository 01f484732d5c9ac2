//! The widget API's JSON, shared by the widget (which sends it) and the server (which answers it).
//! Field names are camelCase on the wire, as JavaScript embedders expect.

use serde::{Deserialize, Serialize};

pub use crate::widget_settings::{Position, Theme};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Assistant,
    Agent,
    System,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Assistant => "assistant",
            Self::Agent => "agent",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "visitor" => Self::Visitor,
            "assistant" => Self::Assistant,
            "agent" => Self::Agent,
            "system" => Self::System,
            _ => return None,
        })
    }
}

/// Where a conversation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Sms,
    Email,
    Voice,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Voice => "voice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "web" => Self::Web,
            "sms" => Self::Sms,
            "email" => Self::Email,
            "voice" => Self::Voice,
            _ => return None,
        })
    }
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// The assistant answers.
    Open,
    /// The assistant could not help, or the visitor asked for a person: a teammate should answer.
    WaitingHuman,
    /// A sensitive situation or a safety rule: a teammate must look.
    Escalated,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::WaitingHuman => "waiting_human",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => Self::Open,
            "waiting_human" => Self::WaitingHuman,
            "escalated" => Self::Escalated,
            "resolved" => Self::Resolved,
            _ => return None,
        })
    }
}

/// `GET /api/widgets/{tenantId}/config`: the public settings of a tenant's widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    pub tenant_id: String,
    pub company_name: String,
    /// A CSS colour, `#rrggbb`.
    pub primary_color: String,
    pub greeting: String,
    pub assistant_name: String,
    /// The corner the widget sits in. Older servers send none: bottom-right.
    #[serde(default)]
    pub position: Position,
    #[serde(default)]
    pub theme: Theme,
    /// Shown beside the assistant's messages and in the header; absolute http(s) URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_logo_url: Option<String>,
    /// A logo with the company's name drawn in, shown instead of the name in the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wordmark_url: Option<String>,
}

/// `POST /api/widgets/{tenantId}/sessions` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreated {
    pub session_id: String,
}

/// `PUT /api/widgets/{tenantId}/sessions/{sessionId}/contact` body and answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub name: String,
    pub email: String,
    /// Sent only: the site's proof of the email, hex `HMAC-SHA256(workspace secret, lowercase
    /// email)`. A valid one makes the session verified; answers never carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
}

/// `POST /api/widgets/{tenantId}/chat` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRequest {
    pub session_id: String,
    pub message: String,
    /// Chosen by the client for each new message and reused on retries: a retry with the same
    /// id stores nothing new and answers the same reply.
    pub client_message_id: String,
    /// The conversation the client believes it is in; the server resumes the session's open
    /// conversation either way and answers which one it used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
}

/// One message as the widget shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub author: Author,
    pub body: String,
    /// Unix time in milliseconds.
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
    /// The teammate's name on agent replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
}

/// How a reply was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyMetadata {
    /// The model that wrote the reply (`embedded` for the built-in assistant).
    pub model: String,
    /// Tokens the provider charged for this reply, when it reports them.
    pub tokens: Option<u32>,
    /// True when the configured provider failed and the embedded assistant answered instead.
    #[serde(default)]
    pub fallback: bool,
}

/// `POST /api/widgets/{tenantId}/chat` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatResponse {
    pub conversation_id: String,
    /// The assistant's reply. `None` when a teammate has taken the conversation over: their
    /// reply arrives on the session's event stream.
    #[serde(default)]
    pub message: Option<MessageView>,
    /// The visitor's message as stored.
    pub visitor_message: MessageView,
    pub conversation_status: ConversationStatus,
    pub metadata: ReplyMetadata,
}

/// `GET /api/widgets/{tenantId}/sessions/{sessionId}`: what a returning visitor sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionHistory {
    pub session_id: String,
    pub contact: Option<Contact>,
    pub conversation_id: Option<String>,
    pub conversation_status: Option<ConversationStatus>,
    pub messages: Vec<MessageView>,
    /// The tenant's event sequence when this was read: open the event stream after it.
    #[serde(default)]
    pub last_event_seq: i64,
    /// The visitor proved their email (`userHash`): `contact` is then the client's record.
    #[serde(default)]
    pub verified: bool,
    /// Verified sessions only: the newest messages of the client's earlier web conversations,
    /// oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_messages: Vec<MessageView>,
}

/// What the widget's event stream (`GET /api/widgets/{tenantId}/sessions/{sessionId}/events`,
/// server-sent events) carries. Stored events have an SSE `id` (the tenant's event sequence), so a
/// reconnecting `EventSource` resumes with `Last-Event-ID` and misses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WidgetEvent {
    /// A message in the session's conversation (the visitor's own included: other tabs show it).
    #[serde(rename_all = "camelCase")]
    Message {
        conversation_id: String,
        message: MessageView,
    },
    /// The conversation's status changed (taken over, handed back, resolved, reopened).
    #[serde(rename_all = "camelCase")]
    Status {
        conversation_id: String,
        status: ConversationStatus,
        /// True while a teammate, not the assistant, answers.
        human: bool,
    },
    /// A teammate is typing (or stopped). Never stored.
    #[serde(rename_all = "camelCase")]
    Typing { name: Option<String>, active: bool },
    /// The assistant's reply as it is being written, a sentence or so at a time. Never stored:
    /// the stored reply (a `message` with the same `id`) replaces it, whatever the draft said.
    #[serde(rename_all = "camelCase")]
    Draft {
        conversation_id: String,
        /// The id the stored reply will have.
        id: String,
        author_name: Option<String>,
        /// Where `text` starts in the draft, in characters: the draft so far is cut there and
        /// `text` appended (a draft is only ever extended, except when the writer takes back
        /// what it had not finished).
        offset: u32,
        text: String,
    },
}

/// A reply being written, as the widget shows it until the stored reply arrives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub id: String,
    pub author_name: Option<String>,
    pub text: String,
}

impl Draft {
    /// Applies one [`WidgetEvent::Draft`] piece: `text` replaces everything from `offset` on.
    /// A piece that starts past the end (one before it was lost) is ignored, answering false:
    /// the stored reply fills the gap.
    pub fn apply(&mut self, offset: u32, text: &str) -> bool {
        let offset = offset as usize;
        let Some(cut) = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(self.text.len()))
            .nth(offset)
        else {
            return false;
        };
        self.text.truncate(cut);
        self.text.push_str(text);
        true
    }
}

/// Every error the API answers has this body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable, machine-readable code, e.g. `invalid_email`, `rate_limited`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_request_uses_camel_case_and_optional_conversation() {
        let req: ChatRequest =
            serde_json::from_str(r#"{"sessionId":"s","message":"hi","clientMessageId":"m1"}"#)
                .unwrap();
        assert_eq!(req.conversation_id, None);
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["clientMessageId"], "m1");
        assert!(json.get("conversationId").is_none());
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for s in [
            ConversationStatus::Open,
            ConversationStatus::WaitingHuman,
            ConversationStatus::Escalated,
            ConversationStatus::Resolved,
        ] {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for a in [
            Author::Visitor,
            Author::Assistant,
            Author::Agent,
            Author::System,
        ] {
            assert_eq!(Author::parse(a.as_str()), Some(a));
        }
        for c in [Channel::Web, Channel::Sms, Channel::Email, Channel::Voice] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn a_draft_grows_piece_by_piece_and_ignores_a_gap() {
        let mut draft = Draft::default();
        assert!(draft.apply(0, "Hé there. "));
        assert!(draft.apply(10, "We roast"));
        assert_eq!(draft.text, "Hé there. We roast");
        // The writer takes back an unfinished word: cut at a character, not a byte.
        assert!(draft.apply(13, "ship on Mondays."));
        assert_eq!(draft.text, "Hé there. We ship on Mondays.");
        // A piece after a lost one is not glued on.
        assert!(!draft.apply(40, "lost"));
        assert_eq!(draft.text, "Hé there. We ship on Mondays.");
        let json = serde_json::to_value(WidgetEvent::Draft {
            conversation_id: "c".into(),
            id: "m".into(),
            author_name: None,
            offset: 3,
            text: "x".into(),
        })
        .unwrap();
        assert_eq!(json["type"], "draft");
        assert_eq!(json["conversationId"], "c");
        assert_eq!(json["offset"], 3);
    }
}
