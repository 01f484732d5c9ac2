//! The visitor's session, kept in localStorage (one key per tenant) so a conversation survives
//! page loads.

use gloo_storage::{LocalStorage, Storage};
use shared::api::{Contact, MessageView};

use crate::codec::{decode, encode};
use crate::transcript::PendingMessage;

/// Everything the widget remembers between page loads, stored as JSON (camelCase keys).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub session_id: String,
    pub contact: Option<Contact>,
    pub conversation_id: Option<String>,
    /// The newest stored messages, shown at once on the next page before the server answers.
    pub messages: Vec<MessageView>,
    /// Messages not confirmed by the server, with the id a retry must reuse.
    pub pending: Vec<PendingMessage>,
    /// A teammate has the conversation: kept so a reload doesn't announce them a second time.
    pub human: bool,
}

/// The localStorage key of one tenant's session.
pub fn storage_key(tenant_id: &str) -> String {
    format!("livechat:{tenant_id}")
}

/// localStorage can be missing or throw (storage disabled, some private modes, sandboxed
/// frames); gloo-storage would throw too, so the widget asks first and then works without it.
fn available() -> bool {
    web_sys::window().is_some_and(|w| matches!(w.local_storage(), Ok(Some(_))))
}

pub fn load(tenant_id: &str) -> Option<StoredSession> {
    if !available() {
        return None;
    }
    let text = LocalStorage::raw()
        .get_item(&storage_key(tenant_id))
        .ok()??;
    decode(&text)
}

/// Best effort: a full or disabled storage only costs the visitor their history on reload.
pub fn save(tenant_id: &str, session: &StoredSession) {
    if available() {
        let _ = LocalStorage::raw().set_item(&storage_key(tenant_id), &encode(session));
    }
}

pub fn clear(tenant_id: &str) {
    if available() {
        LocalStorage::delete(storage_key(tenant_id));
    }
}
