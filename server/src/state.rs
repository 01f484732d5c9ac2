//! What every handler shares.

use std::sync::Arc;

use crate::ai::Responder;
use crate::config::Config;
use crate::db::Db;
use crate::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub responder: Arc<Responder>,
    /// Messages per visitor session.
    pub message_limiter: Arc<RateLimiter>,
    pub config: Arc<Config>,
}
