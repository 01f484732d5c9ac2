//! The dashboard API's JSON and its realtime events, shared by the dashboard (which reads them)
//! and the server (which writes them). camelCase on the wire.
//!
//! Routes (all under `/api/dashboard`, authenticated by the `lc_session` cookie):
//! - `POST /login` [`LoginRequest`] → [`Me`] and the cookie; `POST /logout`; `GET /me` → [`Me`].
//! - `GET /conversations?`[`ConversationQuery`] → [`ConversationPage`].
//! - `GET /conversations/{id}` → [`ConversationDetail`] (and marks it read for the user).
//! - `POST /conversations/{id}/messages` [`AgentReply`] → [`TimelineMessage`].
//! - `POST /conversations/{id}/{takeover|handback|resolve|reopen}` ([`ConversationAction`]) →
//!   [`ConversationSummary`].
//! - `POST /conversations/{id}/typing` → 204.
//! - `GET /assistants` → `Vec<`[`AssistantBrief`]`>` (for the filter).
//! - `GET /clients/{id}` → [`ClientRecord`]; `PUT /clients/{id}/profile` [`ClientProfile`] →
//!   [`ClientRecord`]; `POST /clients/{id}/merge` [`MergeClients`] → [`ClientRecord`];
//!   `POST /clients/{id}/mentions/{mention}/apply` → [`ClientBrief`].
//! - `GET /export.csv?`[`ConversationQuery`]`&rows=conversations|messages` → CSV, streamed.
//! - `GET /ws?after={seq}` → WebSocket of [`SocketFrame`]s.

use serde::{Deserialize, Serialize};

use crate::api::{Author, Channel, ConversationStatus};

/// What a teammate does to a conversation; each is `POST /conversations/{id}/{path}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationAction {
    /// A teammate answers from now on; the assistant stops.
    TakeOver,
    /// The assistant answers again.
    HandBack,
    Resolve,
    Reopen,
}

impl ConversationAction {
    pub const ALL: [Self; 4] = [Self::TakeOver, Self::HandBack, Self::Resolve, Self::Reopen];

    /// The last segment of the action's URL.
    pub fn path(self) -> &'static str {
        match self {
            Self::TakeOver => "takeover",
            Self::HandBack => "handback",
            Self::Resolve => "resolve",
            Self::Reopen => "reopen",
        }
    }

    /// The actions that make sense for a conversation as it stands.
    pub fn available(conversation: &ConversationSummary) -> &'static [Self] {
        match (conversation.status, conversation.ai_paused) {
            (ConversationStatus::Resolved, _) => &[Self::Reopen],
            (_, false) => &[Self::TakeOver, Self::Resolve],
            (_, true) => &[Self::HandBack, Self::Resolve],
        }
    }
}

/// What a teammate may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything an admin can, plus managing the other owners. A workspace always keeps one.
    Owner,
    /// Everything an agent can, plus teammates and settings.
    Admin,
    /// Reads, replies, takes over, resolves.
    Agent,
    /// Reads only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Agent => "agent",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            "agent" => Self::Agent,
            "viewer" => Self::Viewer,
            _ => return None,
        })
    }

    /// May reply to and change conversations.
    pub fn can_act(self) -> bool {
        matches!(self, Self::Owner | Self::Admin | Self::Agent)
    }

    /// May read and change the workspace's settings and teammates.
    pub fn can_manage_settings(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }

    /// Every role, most powerful first.
    pub const ALL: [Self; 4] = [Self::Owner, Self::Admin, Self::Agent, Self::Viewer];
}

/// `POST /api/dashboard/login` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in teammate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub tenant_id: String,
    pub tenant_name: String,
}

/// The client (the person on the other side) as the list shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientBrief {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// False when the web visitor only claimed this client's email (no valid `userHash`): the
    /// link is unproven, and the conversation's `visitor_name` is what they called themselves.
    pub verified: bool,
}

/// One row of the conversation list; also the payload of conversation events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: String,
    pub channel: Channel,
    pub status: ConversationStatus,
    pub client: Option<ClientBrief>,
    /// The name the web visitor gave in this conversation's session (may differ from the
    /// client's stored name when the link is an unverified claim).
    #[serde(default)]
    pub visitor_name: Option<String>,
    pub assistant_id: Option<String>,
    pub assistant_name: Option<String>,
    /// The detected intent (`sales`, `support`, `billing`, `technical`, `general`), once known.
    pub intent: Option<String>,
    /// The teammate handling it, when one took over.
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    /// True when a teammate took over: the assistant does not answer.
    pub ai_paused: bool,
    pub flagged: bool,
    pub flag_reason: Option<String>,
    /// The last message, cut to a preview.
    pub last_message: Option<String>,
    pub last_message_author: Option<Author>,
    /// Unix milliseconds.
    pub last_message_at: i64,
    pub created_at: i64,
    pub message_count: i64,
    /// The visitor wrote since the signed-in user last opened it. Per user: events carry `false`
    /// and the dashboard keeps its own marker.
    pub unread: bool,
}

/// `GET /api/dashboard/conversations` query: every filter optional, all combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationQuery {
    /// Words searched in message text and the client's name, email and phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// An assistant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Last activity at or after this Unix millisecond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// Last activity before this Unix millisecond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// The `nextCursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1..=100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of conversations, newest activity first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    pub conversations: Vec<ConversationSummary>,
    /// Present when there are more: pass it as `cursor`.
    pub next_cursor: Option<String>,
    /// The tenant's last event when the page was read: open the socket with `after` = this.
    pub last_event_seq: i64,
}

/// One message of a conversation's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineMessage {
    pub id: String,
    pub conversation_id: String,
    pub author: Author,
    /// The teammate's name on agent messages, the assistant's on assistant messages.
    pub author_name: Option<String>,
    pub channel: Channel,
    pub body: String,
    pub created_at: i64,
    /// The sender's own id for it (visitor and agent messages), so the sender's other tabs and
    /// retries recognise it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
    /// On an assistant's reply: why it answered as it did, one line per step of the reply
    /// pipeline (the structured decision stays in the store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<crate::decision::WhyLine>,
    /// On a reply sent out through a channel's provider (SMS, email): how far it got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<MessageDelivery>,
}

/// How far a reply sent through a channel's provider got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDelivery {
    pub status: DeliveryStatus,
    /// Why it failed, in the provider's words or ours (e.g. the customer opted out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A reply's delivery, as the provider reported it (a later report never goes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting in the outbox (a channel's reply delay, or a retry).
    Queued,
    /// The provider took it; no delivery receipt (yet, or ever).
    Sent,
    /// The carrier confirmed delivery to the handset.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// It could not be sent (the provider refused it, the customer opted out, retries ran out).
    Failed,
    /// The sender stopped while sending it: the provider may or may not have taken it, and it is
    /// not sent again (at most once).
    Unknown,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Sent,
            Self::Delivered,
            Self::Undelivered,
            Self::Failed,
            Self::Unknown,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// Whether the message failed for good.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Undelivered | Self::Failed)
    }

    /// As the conversation view says it under the message.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Sent => "Sent",
            Self::Delivered => "Delivered",
            Self::Undelivered => "Not delivered",
            Self::Failed => "Not sent",
            Self::Unknown => "Delivery unknown",
        }
    }
}

/// `GET /api/dashboard/conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    pub conversation: ConversationSummary,
    /// Oldest first.
    pub messages: Vec<TimelineMessage>,
    pub client: Option<ClientBrief>,
    /// The client's other conversations, newest first.
    pub other_conversations: Vec<ConversationSummary>,
    pub last_event_seq: i64,
    /// Contact details the customer wrote that are not on the client yet (an unverified
    /// visitor's words change nothing by themselves), newest first: an agent applies one with
    /// one click.
    #[serde(default)]
    pub mentions: Vec<MentionView>,
}

/// What kind of contact detail a customer mentioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentionKind {
    Email,
    /// E.164.
    Phone,
    Name,
}

impl MentionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Email, Self::Phone, Self::Name]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A contact detail a customer mentioned in a message and nobody applied yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MentionView {
    pub id: String,
    pub kind: MentionKind,
    pub value: String,
    /// The conversation it was written in.
    pub conversation_id: Option<String>,
    pub created_at: i64,
    /// Written by the customer in a verified conversation (or a value the client had before an
    /// agent replaced it); `false` for anyone's unverified claim.
    #[serde(default)]
    pub trusted: bool,
}

/// `GET /api/dashboard/clients/{id}`: one client's page, every channel in one timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRecord {
    pub client: ClientBrief,
    pub profile: ClientProfile,
    pub created_at: i64,
    pub updated_at: i64,
    /// Pending contact details, newest first (as in the conversation view).
    pub mentions: Vec<MentionView>,
    /// Other clients that may be the same person: their email or phone number is one this
    /// client's customer mentioned. An agent merges them.
    pub duplicates: Vec<ClientBrief>,
    /// Every conversation of every channel, newest activity first.
    pub conversations: Vec<ConversationSummary>,
    /// The newest messages of all those conversations in one timeline, oldest first.
    pub timeline: Vec<TimelineMessage>,
    /// Older messages exist beyond `timeline` (open their conversation to read them).
    pub timeline_truncated: bool,
}

/// What agents write about a client (`PUT /api/dashboard/clients/{id}/profile` body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientProfile {
    /// Empty: none.
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub notes: String,
    /// Short labels, lower-cased, without repeats.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl ClientProfile {
    pub const MAX_COMPANY_CHARS: usize = 200;
    pub const MAX_NOTES_CHARS: usize = 10_000;
    pub const MAX_TAGS: usize = 20;
    pub const MAX_TAG_CHARS: usize = 32;

    /// The profile as stored: company and notes trimmed, tags trimmed, lower-cased and without
    /// repeats (in the order given). The dashboard runs it before sending, the server again.
    pub fn parse(self) -> Result<Self, crate::form::FieldError> {
        use crate::form::FieldError;
        let company = self.company.trim().to_owned();
        if company.chars().count() > Self::MAX_COMPANY_CHARS {
            return Err(FieldError::new(
                "company",
                "too_long",
                format!(
                    "The company name is longer than {} characters.",
                    Self::MAX_COMPANY_CHARS
                ),
            ));
        }
        if company.chars().any(char::is_control) {
            return Err(FieldError::new(
                "company",
                "invalid",
                "The company name has a line break or a control character.",
            ));
        }
        let notes = self.notes.trim().to_owned();
        if notes.chars().count() > Self::MAX_NOTES_CHARS {
            return Err(FieldError::new(
                "notes",
                "too_long",
                format!(
                    "The notes are longer than {} characters.",
                    Self::MAX_NOTES_CHARS
                ),
            ));
        }
        let mut tags: Vec<String> = Vec::new();
        for tag in &self.tags {
            let tag = tag
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if tag.is_empty() {
                continue;
            }
            if tag.chars().count() > Self::MAX_TAG_CHARS {
                return Err(FieldError::new(
                    "tags",
                    "too_long",
                    format!(
                        "The tag \"{tag}\" is longer than {} characters.",
                        Self::MAX_TAG_CHARS
                    ),
                ));
            }
            if !tag
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '/'))
            {
                return Err(FieldError::new(
                    "tags",
                    "invalid",
                    format!("The tag \"{tag}\" may hold letters, digits, spaces and - _ . / only."),
                ));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > Self::MAX_TAGS {
            return Err(FieldError::new(
                "tags",
                "too_many",
                format!("A client can have at most {} tags.", Self::MAX_TAGS),
            ));
        }
        Ok(Self {
            company,
            notes,
            tags,
        })
    }
}

/// `POST /api/dashboard/clients/{id}/merge` body: `other` moves into the client of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeClients {
    pub other: String,
}

/// `POST /api/dashboard/conversations/{id}/messages` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentReply {
    pub body: String,
    /// Chosen by the dashboard, reused on retries: a retry stores nothing new.
    pub client_message_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantBrief {
    pub id: String,
    pub name: String,
}

/// Something that happened in a tenant, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "an event lives only while it is serialised or applied, and most are messages"
)]
pub enum DashboardEvent {
    ConversationCreated {
        conversation: ConversationSummary,
    },
    /// Status, assignee, take-over, handoff, escalation, client or last message changed.
    ConversationUpdated {
        conversation: ConversationSummary,
    },
    /// A message, with its conversation as it stands after it (count, preview, status).
    #[serde(rename_all = "camelCase")]
    MessageCreated {
        conversation_id: String,
        message: TimelineMessage,
        conversation: ConversationSummary,
    },
    /// An admin changed a setting: open settings pages of that area reload it, and every server
    /// instance drops what it cached of it. The audit log holds what changed.
    SettingsChanged {
        area: SettingsArea,
    },
    /// A client's details or pending mentions changed (a customer mentioned a phone number, an
    /// agent applied one): open conversations of that client show the new state. `verified`
    /// in `client` is not meaningful here (it belongs to a conversation's link).
    ClientChanged {
        client: ClientBrief,
        /// The client's pending mentions, newest first, as the conversation detail lists them.
        mentions: Vec<MentionView>,
    },
    /// An agent merged client `merged` into `into`: every conversation of `merged` is now
    /// `into`'s, and `merged` is gone.
    ClientsMerged {
        merged: String,
        into: ClientBrief,
        mentions: Vec<MentionView>,
    },
    /// A reply sent through a channel's provider got further (sent, delivered) or failed.
    #[serde(rename_all = "camelCase")]
    MessageDelivery {
        conversation_id: String,
        message_id: String,
        delivery: MessageDelivery,
    },
}

impl DashboardEvent {
    pub fn conversation_id(&self) -> Option<&str> {
        match self {
            Self::ConversationCreated { conversation }
            | Self::ConversationUpdated { conversation } => Some(&conversation.id),
            Self::MessageCreated {
                conversation_id, ..
            }
            | Self::MessageDelivery {
                conversation_id, ..
            } => Some(conversation_id),
            Self::SettingsChanged { .. }
            | Self::ClientChanged { .. }
            | Self::ClientsMerged { .. } => None,
        }
    }

    /// The conversation as it stands after the event, for conversation events.
    pub fn conversation(&self) -> Option<&ConversationSummary> {
        match self {
            Self::ConversationCreated { conversation }
            | Self::ConversationUpdated { conversation }
            | Self::MessageCreated { conversation, .. } => Some(conversation),
            Self::SettingsChanged { .. }
            | Self::ClientChanged { .. }
            | Self::ClientsMerged { .. }
            | Self::MessageDelivery { .. } => None,
        }
    }

    /// [`Self::kind`] of a `ConversationCreated` (the server's log also writes it by reference).
    pub const CONVERSATION_CREATED: &'static str = "conversation_created";
    /// [`Self::kind`] of a `ConversationUpdated`.
    pub const CONVERSATION_UPDATED: &'static str = "conversation_updated";
    /// [`Self::kind`] of a `MessageCreated`.
    pub const MESSAGE_CREATED: &'static str = "message_created";

    pub fn kind(&self) -> &'static str {
        match self {
            Self::ConversationCreated { .. } => Self::CONVERSATION_CREATED,
            Self::ConversationUpdated { .. } => Self::CONVERSATION_UPDATED,
            Self::MessageCreated { .. } => Self::MESSAGE_CREATED,
            Self::SettingsChanged { .. } => "settings_changed",
            Self::ClientChanged { .. } => "client_changed",
            Self::ClientsMerged { .. } => "clients_merged",
            Self::MessageDelivery { .. } => "message_delivery",
        }
    }
}

/// One entry of the audit log (`GET /api/dashboard/audit`, admins only), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Orders entries; pass the last one's as `before` for the next page.
    pub seq: i64,
    /// The teammate who made the change; `None` for the command line or first-run set-up.
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// A [`SettingsArea`] name.
    pub area: String,
    /// What was done, e.g. `token.issued`.
    pub action: String,
    /// What it was done to.
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// Unix milliseconds.
    pub at: i64,
}

/// A page of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// `before` for the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
}

/// The parts of a workspace's settings, as the settings pages group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsArea {
    Workspace,
    Widget,
    Domains,
    Tokens,
    Identity,
    Assistants,
    Teammates,
    /// Routing rules, handoff settings and business hours.
    Routing,
    /// The workspace's intents and their example phrases.
    Intents,
    /// Content safety lists and actions, personal-data redaction.
    Safety,
    /// Client records (merges): in the audit log only, nothing caches them.
    Clients,
    /// Connected channels (SMS numbers).
    Channels,
    /// Proactive messages: the rules that show a bubble by the widget's launcher.
    Proactive,
}

impl SettingsArea {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workspace => "workspace",
            Self::Widget => "widget",
            Self::Domains => "domains",
            Self::Tokens => "tokens",
            Self::Identity => "identity",
            Self::Assistants => "assistants",
            Self::Teammates => "teammates",
            Self::Routing => "routing",
            Self::Intents => "intents",
            Self::Safety => "safety",
            Self::Clients => "clients",
            Self::Channels => "channels",
            Self::Proactive => "proactive",
        }
    }
}

/// A stored event with its place in the tenant's sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Dense per tenant: 1, 2, 3... A client that saw `n` resumes with `after=n`.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub event: DashboardEvent,
}

/// Someone is typing (or stopped). Not stored, not replayed: it only matters now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    pub conversation_id: String,
    pub author: Author,
    pub name: Option<String>,
    pub active: bool,
}

/// What the dashboard socket sends, one JSON text frame each.
// Frames live one at a time between the socket and the reducer: boxing the event would only add
// an allocation and a `Box` to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SocketFrame {
    /// A stored event: replayed ones first (those after `after`), then live ones, in `seq` order,
    /// each exactly once.
    Event {
        envelope: EventEnvelope,
    },
    /// Replay is done: everything up to `seq` has been sent.
    #[serde(rename_all = "camelCase")]
    CaughtUp {
        seq: i64,
    },
    Typing {
        typing: Typing,
    },
    /// The events after the client's `after` are no longer kept (it was away longer than the
    /// retention): reload the list and the open conversation; live events continue after `seq`.
    #[serde(rename_all = "camelCase")]
    Reset {
        seq: i64,
    },
}

/// `GET /api/dashboard/settings/identity-secret`: whether the workspace has an identity
/// secret, and since when. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySecretStatus {
    pub configured: bool,
    /// Unix milliseconds.
    pub created_at: Option<i64>,
}

/// `POST /api/dashboard/settings/identity-secret` answer: a new secret, shown this once; the
/// previous one stopped verifying. `Debug` does not print it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySecretIssued {
    pub secret: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl std::fmt::Debug for IdentitySecretIssued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySecretIssued")
            .field("secret", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_profile_is_trimmed_and_its_tags_folded_once() {
        let profile = ClientProfile {
            company: "  Acme Ltd ".into(),
            notes: "\n prefers email \n".into(),
            tags: vec![
                "VIP".into(),
                " vip ".into(),
                "".into(),
                "wholesale  buyer".into(),
            ],
        }
        .parse()
        .unwrap();
        assert_eq!(profile.company, "Acme Ltd");
        assert_eq!(profile.notes, "prefers email");
        assert_eq!(profile.tags, vec!["vip", "wholesale buyer"]);
    }

    #[test]
    fn a_client_profile_names_the_field_it_refuses() {
        let bad = |p: ClientProfile| p.parse().unwrap_err();
        let long = "x".repeat(ClientProfile::MAX_COMPANY_CHARS + 1);
        let e = bad(ClientProfile {
            company: long,
            ..ClientProfile::default()
        });
        assert_eq!((e.field, e.code), ("company", "too_long"));
        let e = bad(ClientProfile {
            company: "a\nb".into(),
            ..ClientProfile::default()
        });
        assert_eq!((e.field, e.code), ("company", "invalid"));
        let e = bad(ClientProfile {
            notes: "n".repeat(ClientProfile::MAX_NOTES_CHARS + 1),
            ..ClientProfile::default()
        });
        assert_eq!((e.field, e.code), ("notes", "too_long"));
        let e = bad(ClientProfile {
            tags: vec!["<b>".into()],
            ..ClientProfile::default()
        });
        assert_eq!((e.field, e.code), ("tags", "invalid"));
        let many = (0..=ClientProfile::MAX_TAGS)
            .map(|i| format!("t{i}"))
            .collect();
        let e = bad(ClientProfile {
            tags: many,
            ..ClientProfile::default()
        });
        assert_eq!((e.field, e.code), ("tags", "too_many"));
    }

    #[test]
    fn socket_frames_are_tagged_by_type() {
        let frame = SocketFrame::CaughtUp { seq: 7 };
        let json = serde_json::to_value(&frame).unwrap();
        assert_eq!(json, serde_json::json!({"type": "caught_up", "seq": 7}));
        let back: SocketFrame = serde_json::from_value(json).unwrap();
        assert_eq!(back, frame);
    }

    fn summary(id: &str) -> ConversationSummary {
        ConversationSummary {
            id: id.into(),
            channel: Channel::Web,
            status: ConversationStatus::Open,
            client: None,
            visitor_name: None,
            assistant_id: None,
            assistant_name: None,
            intent: None,
            assignee_id: None,
            assignee_name: None,
            ai_paused: false,
            flagged: false,
            flag_reason: None,
            last_message: None,
            last_message_author: None,
            last_message_at: 0,
            created_at: 0,
            message_count: 0,
            unread: false,
        }
    }

    #[test]
    fn a_reset_frame_carries_the_sequence_to_continue_after() {
        let json = serde_json::to_value(SocketFrame::Reset { seq: 42 }).unwrap();
        assert_eq!(json, serde_json::json!({"type": "reset", "seq": 42}));
    }

    #[test]
    fn delivery_statuses_read_back_what_they_write() {
        for status in [
            DeliveryStatus::Queued,
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Undelivered,
            DeliveryStatus::Failed,
            DeliveryStatus::Unknown,
        ] {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
        assert_eq!(DeliveryStatus::parse("bounced"), None);
        assert!(DeliveryStatus::Undelivered.is_failure() && !DeliveryStatus::Unknown.is_failure());
    }

    #[test]
    fn a_conversation_event_is_named_by_its_wire_type() {
        // The server's log stores these by reference, under this name.
        for event in [
            DashboardEvent::ConversationCreated {
                conversation: summary("cv_1"),
            },
            DashboardEvent::ConversationUpdated {
                conversation: summary("cv_1"),
            },
        ] {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], event.kind());
        }
    }

    #[test]
    fn message_events_name_their_conversation() {
        let event = DashboardEvent::MessageCreated {
            conversation: summary("cv_1"),
            conversation_id: "cv_1".into(),
            message: TimelineMessage {
                id: "msg_1".into(),
                conversation_id: "cv_1".into(),
                author: Author::Visitor,
                author_name: None,
                channel: Channel::Web,
                body: "hi".into(),
                created_at: 1,
                client_message_id: None,
                why: Vec::new(),
                delivery: None,
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "message_created");
        assert_eq!(json["conversationId"], "cv_1");
        assert_eq!(event.conversation_id(), Some("cv_1"));
        assert_eq!(event.kind(), "message_created");
        assert_eq!(event.conversation().map(|c| c.id.as_str()), Some("cv_1"));

        let delivery = DashboardEvent::MessageDelivery {
            conversation_id: "cv_1".into(),
            message_id: "msg_1".into(),
            delivery: MessageDelivery {
                status: DeliveryStatus::Failed,
                error: Some("opted out".into()),
            },
        };
        assert_eq!(
            serde_json::to_value(&delivery).unwrap(),
            serde_json::json!({
                "type": "message_delivery", "conversationId": "cv_1", "messageId": "msg_1",
                "delivery": {"status": "failed", "error": "opted out"},
            })
        );
        assert_eq!(delivery.conversation_id(), Some("cv_1"));
    }

    #[test]
    fn an_empty_query_serialises_to_nothing() {
        let json = serde_json::to_value(ConversationQuery::default()).unwrap();
        assert_eq!(json, serde_json::json!({}));
    }

    #[test]
    fn only_admins_and_agents_act() {
        assert!(Role::Owner.can_act());
        assert!(Role::Admin.can_act());
        assert!(Role::Agent.can_act());
        assert!(!Role::Viewer.can_act());
        assert!(Role::Owner.can_manage_settings() && Role::Admin.can_manage_settings());
        assert!(!Role::Agent.can_manage_settings() && !Role::Viewer.can_manage_settings());
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
