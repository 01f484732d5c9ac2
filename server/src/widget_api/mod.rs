//! The API the embedded widget calls, under `/api/widgets/{tenant_id}`.
//!
//! Every request passes the [`gate`]: the tenant must exist (404), a browser's `Origin` must be
//! on the tenant's allowed list (403), and CORS headers answer only allowed origins. Every
//! handler then takes a [`WidgetAuth`]: a live widget token of that very tenant (401).

mod access;
mod auth;
mod chat;
mod events;
mod gate;
mod proactive;
mod sessions;
mod stream_caps;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post, put, MethodRouter};
use axum::{middleware, Router};

use crate::state::AppState;
pub use access::AccessCache;
pub use auth::WidgetAuth;
pub use sessions::session_not_found;
pub use stream_caps::{StreamCaps, StreamSlot};

/// The event stream: the one route that takes the widget token as `?token=` (an `EventSource`
/// cannot set headers).
const EVENTS_ROUTE: &str = "/api/widgets/{tenant_id}/sessions/{session_id}/events";

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/api/widgets/{tenant_id}/config",
            cors(get(sessions::config)),
        )
        .route(
            "/api/widgets/{tenant_id}/sessions",
            cors(post(sessions::create)),
        )
        .route(
            "/api/widgets/{tenant_id}/sessions/{session_id}",
            cors(get(sessions::history)),
        )
        .route(
            "/api/widgets/{tenant_id}/sessions/{session_id}/contact",
            cors(put(sessions::set_contact)),
        )
        .route(EVENTS_ROUTE, cors(get(events::events)))
        .route(
            "/api/widgets/{tenant_id}/sessions/{session_id}/typing",
            cors(post(sessions::typing)),
        )
        .route("/api/widgets/{tenant_id}/chat", cors(post(chat::send)))
        .route(
            "/api/widgets/{tenant_id}/proactive",
            cors(get(proactive::rules)),
        )
        .route(
            "/api/widgets/{tenant_id}/track",
            cors(post(proactive::track)),
        )
        .layer(DefaultBodyLimit::max(state.config.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), gate::gate))
}

/// Route layers wrap handlers, not method dispatch: without an `OPTIONS` handler a preflight
/// would be a 405 before the gate could answer it. The gate answers; this never runs.
fn cors(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.options(|| async { StatusCode::NO_CONTENT })
}
