//! What every handler shares.

use std::sync::Arc;

use crate::ai::intent::Intents;
use crate::ai::pipeline::{ReplyResult, SafetyConfig};
use crate::ai::Responder;
use crate::assistants::roster::Roster;
use crate::config::Config;
use crate::db::Db;
use crate::ratelimit::Limiters;
use crate::realtime::Hub;
use crate::routing::store::RoutingConfig;
use crate::settings_cache::SettingsCache;
use crate::single_flight::SingleFlight;
use crate::widget_api::{AccessCache, StreamCaps};

/// What every handler shares, behind one reference count: axum clones the state for each
/// layer a request passes through, and a clone of the fields one by one (some twenty reference
/// counts, each an atomic shared between cores) was 7 % of the request threads' CPU.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
pub struct Shared {
    pub db: Db,
    /// Each tenant's widget access (tenant, allowed origins, live tokens), until they change.
    pub access: Arc<AccessCache>,
    pub responder: Arc<Responder>,
    /// Each workspace's intent detector (trained once, kept until its intents change).
    pub intents: Arc<Intents>,
    /// Each workspace's assistants with their knowledge, until an admin changes one.
    pub assistants: Arc<SettingsCache<Roster>>,
    /// Each workspace's routing rules, handoff settings and business hours, until they change.
    pub routing: Arc<SettingsCache<RoutingConfig>>,
    /// Each workspace's safety settings and compiled lists, until they change.
    pub safety: Arc<SettingsCache<SafetyConfig>>,
    /// Each workspace's proactive rules as the widget gets them, until they change.
    pub proactive: Arc<SettingsCache<shared::proactive::WidgetProactive>>,
    /// Messages, new sessions and sign-in attempts, per session, address, tenant and email.
    pub limiters: Arc<Limiters>,
    /// Replies being produced, one per visitor message (retries wait for the same reply).
    pub replies: Arc<SingleFlight<ReplyResult>>,
    /// The newest turns of the conversations the assistant answers, for the next reply.
    pub histories: Arc<crate::ai::history::Histories>,
    /// Open widget event streams per session and per tenant.
    pub streams: Arc<StreamCaps>,
    /// Live updates for dashboards and widgets.
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    /// The origins the dashboard is served from (`Origin` must be one of them on changes).
    pub dashboard_origins: Arc<[String]>,
    /// Wakes the channels' sending workers when this process queued something to send.
    pub outbox_wake: Arc<tokio::sync::Notify>,
}
