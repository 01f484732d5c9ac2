//! JSON for the wire types, through the browser's own `JSON.parse` / `JSON.stringify`.
//!
//! Why not serde_json: the widget ships to every page view, and serde_json with the derived
//! (de)serializers of these types weighed ~40 KB gzip of the ~150 KB budget; reading a handful
//! of fields from a parsed JS object costs a fraction of that. The field names are the camelCase
//! ones `shared::api` declares; the browser tests check this codec against serde_json's output of
//! the very same types, so the two cannot drift apart unnoticed.

use js_sys::{Array, Object, Reflect, JSON};
use shared::api::{
    Author, ChatRequest, ChatResponse, Contact, ConversationStatus, ErrorDetail, MessageView,
    Position, ReplyMetadata, SessionCreated, SessionHistory, Theme, WidgetConfig, WidgetEvent,
};
use wasm_bindgen::JsValue;

use crate::storage::StoredSession;
use crate::transcript::{PendingMessage, SendState};

/// A value that can be read from parsed JSON; `None` when a required field is missing or has
/// the wrong type.
pub trait FromJson: Sized {
    fn from_json(value: &JsValue) -> Option<Self>;
}

/// A value that can be written as JSON.
pub trait ToJson {
    fn to_json(&self) -> JsValue;
}

/// Parses a JSON text into `T`.
pub fn decode<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&JSON::parse(text).ok()?)
}

/// Writes `value` as a JSON text.
pub fn encode(value: &impl ToJson) -> String {
    JSON::stringify(&value.to_json())
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn string(obj: &JsValue, key: &str) -> Option<String> {
    field(obj, key).as_string()
}

fn number(obj: &JsValue, key: &str) -> Option<f64> {
    field(obj, key).as_f64()
}

/// `T` from an optional field: absent or `null` is `Ok(None)`, a wrong shape is `Err`.
fn optional<T>(
    obj: &JsValue,
    key: &str,
    read: impl FnOnce(&JsValue) -> Option<T>,
) -> Option<Option<T>> {
    let value = field(obj, key);
    if value.is_undefined() || value.is_null() {
        Some(None)
    } else {
        read(&value).map(Some)
    }
}

fn list<T: FromJson>(obj: &JsValue, key: &str) -> Option<Vec<T>> {
    let value = field(obj, key);
    if value.is_undefined() || value.is_null() {
        return Some(Vec::new());
    }
    if !Array::is_array(&value) {
        return None;
    }
    Array::from(&value)
        .iter()
        .map(|v| T::from_json(&v))
        .collect()
}

struct Writer(Object);

impl Writer {
    fn new() -> Self {
        Self(Object::new())
    }

    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }

    fn set_opt(self, key: &str, value: Option<impl Into<JsValue>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    fn set_list<T: ToJson>(self, key: &str, items: &[T]) -> Self {
        let array: Array = items.iter().map(ToJson::to_json).collect();
        self.set(key, array)
    }

    fn done(self) -> JsValue {
        self.0.into()
    }
}

impl FromJson for String {
    fn from_json(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl FromJson for MessageView {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            id: string(v, "id")?,
            author: Author::parse(&string(v, "author")?)?,
            body: string(v, "body")?,
            created_at: number(v, "createdAt")? as i64,
            client_message_id: optional(v, "clientMessageId", String::from_json)?,
            author_name: optional(v, "authorName", String::from_json)?,
        })
    }
}

impl ToJson for MessageView {
    fn to_json(&self) -> JsValue {
        Writer::new()
            .set("id", self.id.as_str())
            .set("author", self.author.as_str())
            .set("body", self.body.as_str())
            .set("createdAt", self.created_at as f64)
            .set_opt("clientMessageId", self.client_message_id.as_deref())
            .set_opt("authorName", self.author_name.as_deref())
            .done()
    }
}

impl FromJson for Contact {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            name: string(v, "name")?,
            email: string(v, "email")?,
            user_hash: None,
        })
    }
}

impl ToJson for Contact {
    fn to_json(&self) -> JsValue {
        Writer::new()
            .set("name", self.name.as_str())
            .set("email", self.email.as_str())
            .set_opt("userHash", self.user_hash.as_deref())
            .done()
    }
}

fn status(v: &JsValue) -> Option<ConversationStatus> {
    ConversationStatus::parse(&v.as_string()?)
}

impl FromJson for WidgetConfig {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            tenant_id: string(v, "tenantId")?,
            company_name: string(v, "companyName")?,
            primary_color: string(v, "primaryColor")?,
            greeting: string(v, "greeting")?,
            assistant_name: string(v, "assistantName")?,
            // Absent from older servers: the defaults.
            position: field(v, "position")
                .as_string()
                .and_then(|p| Position::parse(&p))
                .unwrap_or_default(),
            theme: field(v, "theme")
                .as_string()
                .and_then(|t| Theme::parse(&t))
                .unwrap_or_default(),
            avatar_url: field(v, "avatarUrl").as_string(),
            header_logo_url: field(v, "headerLogoUrl").as_string(),
            wordmark_url: field(v, "wordmarkUrl").as_string(),
        })
    }
}

impl FromJson for SessionCreated {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            session_id: string(v, "sessionId")?,
        })
    }
}

impl FromJson for SessionHistory {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            session_id: string(v, "sessionId")?,
            contact: optional(v, "contact", Contact::from_json)?,
            conversation_id: optional(v, "conversationId", String::from_json)?,
            conversation_status: optional(v, "conversationStatus", status)?,
            messages: list(v, "messages")?,
            // Absent from older servers: 0 lets the event stream start from its own position.
            last_event_seq: optional(v, "lastEventSeq", JsValue::as_f64)?.unwrap_or(0.0) as i64,
            verified: field(v, "verified").as_bool().unwrap_or(false),
            earlier_messages: list(v, "earlierMessages")?,
        })
    }
}

impl FromJson for WidgetEvent {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(match string(v, "type")?.as_str() {
            "message" => Self::Message {
                conversation_id: string(v, "conversationId")?,
                message: MessageView::from_json(&field(v, "message"))?,
            },
            "status" => Self::Status {
                conversation_id: string(v, "conversationId")?,
                status: status(&field(v, "status"))?,
                human: field(v, "human").as_bool()?,
            },
            "typing" => Self::Typing {
                name: optional(v, "name", String::from_json)?,
                active: field(v, "active").as_bool()?,
            },
            "draft" => Self::Draft {
                conversation_id: string(v, "conversationId")?,
                id: string(v, "id")?,
                author_name: optional(v, "authorName", String::from_json)?,
                offset: number(v, "offset").and_then(|n| {
                    (n >= 0.0 && n <= f64::from(u32::MAX) && n.fract() == 0.0).then_some(n as u32)
                })?,
                text: string(v, "text")?,
            },
            _ => return None,
        })
    }
}

impl ToJson for ChatRequest {
    fn to_json(&self) -> JsValue {
        Writer::new()
            .set("sessionId", self.session_id.as_str())
            .set("message", self.message.as_str())
            .set("clientMessageId", self.client_message_id.as_str())
            .set_opt("conversationId", self.conversation_id.as_deref())
            .done()
    }
}

impl FromJson for ChatResponse {
    fn from_json(v: &JsValue) -> Option<Self> {
        let meta = field(v, "metadata");
        Some(Self {
            conversation_id: string(v, "conversationId")?,
            // No reply while a teammate has the conversation: theirs comes on the event stream.
            message: optional(v, "message", MessageView::from_json)?,
            visitor_message: MessageView::from_json(&field(v, "visitorMessage"))?,
            conversation_status: status(&field(v, "conversationStatus"))?,
            // How the reply was made is for the dashboard; the widget tolerates its absence.
            metadata: ReplyMetadata {
                model: string(&meta, "model").unwrap_or_default(),
                tokens: number(&meta, "tokens").map(|t| t as u32),
                fallback: field(&meta, "fallback").as_bool().unwrap_or(false),
            },
        })
    }
}

impl FromJson for ErrorDetail {
    /// Reads an `ErrorBody` (`{"error": {...}}`) and answers its detail.
    fn from_json(body: &JsValue) -> Option<Self> {
        let v = field(body, "error");
        Some(Self {
            code: string(&v, "code")?,
            message: string(&v, "message")?,
            field: optional(&v, "field", String::from_json)?,
        })
    }
}

impl FromJson for PendingMessage {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            client_message_id: string(v, "clientMessageId")?,
            body: string(v, "body")?,
            created_at: number(v, "createdAt")? as i64,
            state: SendState::Queued,
        })
    }
}

impl ToJson for PendingMessage {
    fn to_json(&self) -> JsValue {
        Writer::new()
            .set("clientMessageId", self.client_message_id.as_str())
            .set("body", self.body.as_str())
            .set("createdAt", self.created_at as f64)
            .done()
    }
}

impl FromJson for StoredSession {
    fn from_json(v: &JsValue) -> Option<Self> {
        Some(Self {
            session_id: string(v, "sessionId")?,
            contact: optional(v, "contact", Contact::from_json)?,
            conversation_id: optional(v, "conversationId", String::from_json)?,
            messages: list(v, "messages")?,
            pending: list(v, "pending")?,
            human: field(v, "human").as_bool().unwrap_or(false),
        })
    }
}

impl ToJson for StoredSession {
    fn to_json(&self) -> JsValue {
        Writer::new()
            .set("sessionId", self.session_id.as_str())
            .set_opt("contact", self.contact.as_ref().map(ToJson::to_json))
            .set_opt("conversationId", self.conversation_id.as_deref())
            .set_list("messages", &self.messages)
            .set_list("pending", &self.pending)
            .set("human", self.human)
            .done()
    }
}
