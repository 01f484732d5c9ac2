//! What every handler shares.

use std::sync::Arc;

use crate::ai::Responder;
use crate::config::Config;
use crate::db::Db;
use crate::ratelimit::RateLimiter;
use crate::realtime::Hub;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub responder: Arc<Responder>,
    /// Messages per visitor session.
    pub message_limiter: Arc<RateLimiter>,
    /// Dashboard sign-in attempts per address and per email.
    pub login_limiter: Arc<RateLimiter>,
    /// Live updates for dashboards and widgets.
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    /// The origins the dashboard is served from (`Origin` must be one of them on changes).
    pub dashboard_origins: Arc<[String]>,
}
