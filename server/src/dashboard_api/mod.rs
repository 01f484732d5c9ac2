//! The API the agents' dashboard calls, under `/api/dashboard`. Every handler takes a
//! [`DashboardUser`] (the session cookie) and reads or changes only that user's tenant: another
//! tenant's ids answer 404, never data. Viewers read; changes need an admin or agent.

mod conversations;
mod export;
mod session;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::realtime::dashboard_socket;
use crate::state::AppState;
pub use session::{check_same_origin, DashboardUser, COOKIE};

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/api/dashboard/login", post(session::login))
        .route("/api/dashboard/logout", post(session::logout))
        .route("/api/dashboard/me", get(session::me))
        .route("/api/dashboard/assistants", get(conversations::assistants))
        .route("/api/dashboard/conversations", get(conversations::list))
        .route(
            "/api/dashboard/conversations/{id}",
            get(conversations::detail),
        )
        .route(
            "/api/dashboard/conversations/{id}/messages",
            post(conversations::reply),
        )
        .route(
            "/api/dashboard/conversations/{id}/takeover",
            post(conversations::take_over),
        )
        .route(
            "/api/dashboard/conversations/{id}/handback",
            post(conversations::hand_back),
        )
        .route(
            "/api/dashboard/conversations/{id}/resolve",
            post(conversations::resolve),
        )
        .route(
            "/api/dashboard/conversations/{id}/reopen",
            post(conversations::reopen),
        )
        .route(
            "/api/dashboard/conversations/{id}/typing",
            post(conversations::typing),
        )
        .route("/api/dashboard/export.csv", get(export::csv))
        .route("/api/dashboard/ws", get(dashboard_socket::upgrade))
        .layer(DefaultBodyLimit::max(state.config.limits.max_body_bytes))
}
