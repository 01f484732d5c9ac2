//! How many widget event streams one visitor session and one tenant may hold open on this
//! server. Each open stream holds a [`StreamSlot`]; dropping it (the stream ended) frees the
//! slot.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;

use crate::error::ApiError;

/// A slot is usually freed within seconds of a stream ending: try again after this.
const RETRY_AFTER_SECS: u64 = 5;

pub struct StreamCaps {
    per_session: usize,
    per_tenant: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    sessions: HashMap<String, usize>,
    tenants: HashMap<String, usize>,
}

/// One open stream's place; the place is freed when this is dropped.
pub struct StreamSlot {
    caps: Arc<StreamCaps>,
    tenant_id: String,
    session_id: String,
}

impl StreamCaps {
    pub fn new(per_session: usize, per_tenant: usize) -> Arc<Self> {
        Arc::new(Self {
            per_session,
            per_tenant,
            open: Mutex::new(Open::default()),
        })
    }

    /// A slot for one more stream of the session, or a 429 `too_many_streams`.
    pub fn open(
        self: &Arc<Self>,
        tenant_id: &str,
        session_id: &str,
    ) -> Result<StreamSlot, ApiError> {
        let mut open = self.lock();
        let session = open.sessions.get(session_id).copied().unwrap_or(0);
        let tenant = open.tenants.get(tenant_id).copied().unwrap_or(0);
        if session >= self.per_session {
            return Err(too_many_streams(
                "This chat is already open in too many tabs. Close one and try again.",
            ));
        }
        if tenant >= self.per_tenant {
            return Err(too_many_streams(
                "Too many visitors are connected right now. Please try again shortly.",
            ));
        }
        *open.sessions.entry(session_id.to_owned()).or_default() += 1;
        *open.tenants.entry(tenant_id.to_owned()).or_default() += 1;
        Ok(StreamSlot {
            caps: self.clone(),
            tenant_id: tenant_id.to_owned(),
            session_id: session_id.to_owned(),
        })
    }

    /// Streams open for the session.
    pub fn open_for_session(&self, session_id: &str) -> usize {
        self.lock().sessions.get(session_id).copied().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.caps.lock();
        release(&mut open.sessions, &self.session_id);
        release(&mut open.tenants, &self.tenant_id);
    }
}

/// Counts down, forgetting keys at zero so the maps hold only open streams.
fn release(counts: &mut HashMap<String, usize>, key: &str) {
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

fn too_many_streams(message: &str) -> ApiError {
    ApiError::Client {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "too_many_streams",
        message: message.to_owned(),
        field: None,
        retry_after_secs: Some(RETRY_AFTER_SECS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_and_a_tenant_hold_at_most_their_caps_and_drops_free_slots() {
        let caps = StreamCaps::new(2, 3);
        let a1 = caps.open("t", "a").unwrap();
        let _a2 = caps.open("t", "a").unwrap();
        assert!(caps.open("t", "a").is_err());
        let _b1 = caps.open("t", "b").unwrap();
        // The tenant is full: session c is refused though it holds nothing.
        assert!(caps.open("t", "c").is_err());
        assert!(caps.open("other", "d").is_ok());
        drop(a1);
        assert!(caps.open("t", "c").is_ok());
        assert_eq!(caps.open_for_session("a"), 1);
    }

    #[test]
    fn nothing_is_remembered_once_every_stream_closed() {
        let caps = StreamCaps::new(3, 3);
        let slots: Vec<_> = (0..3).map(|_| caps.open("t", "a").unwrap()).collect();
        drop(slots);
        let open = caps.lock();
        assert!(open.sessions.is_empty() && open.tenants.is_empty());
    }
}
