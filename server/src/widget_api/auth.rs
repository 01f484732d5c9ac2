//! `Authorization: Bearer <widget token>`, checked against the tenant in the path. A browser's
//! `EventSource` cannot set headers, so on the event stream alone `?token=<widget token>` is
//! accepted instead when the header is absent (the widget token is public: it sits in the embed
//! snippet, but a token in a URL also lands in logs and histories, so nowhere it isn't needed).

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Query};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;

use super::access::{Access, TokenCheck};
use super::EVENTS_ROUTE;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::Tenant;

/// Proof that the request carries a live widget token of the tenant it addresses.
pub struct WidgetAuth {
    pub tenant: Tenant,
    /// The token's id, so a long-lived request (the event stream) can check it again later.
    pub token_id: String,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

impl FromRequestParts<AppState> for WidgetAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let access = parts
            .extensions
            .get::<Arc<Access>>()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("widget route reached without the tenant gate"))?;
        let on_event_stream = parts
            .extensions
            .get::<MatchedPath>()
            .is_some_and(|p| p.as_str() == EVENTS_ROUTE);
        let from_query = on_event_stream
            .then(|| Query::<TokenQuery>::try_from_uri(&parts.uri).ok())
            .flatten()
            .and_then(|q| q.0.token);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
            .or(from_query)
            .map(|t| t.trim().to_owned())
            // A token never holds control characters; PostgreSQL could not even compare NUL.
            .filter(|t| !t.is_empty() && !t.chars().any(char::is_control))
            .ok_or_else(|| {
                ApiError::unauthorized("Send the widget token as `Authorization: Bearer <token>`.")
            })?;
        match state.access.check_token(&access, &token).await? {
            TokenCheck::Live(token_id) => Ok(Self {
                tenant: access.tenant.clone(),
                token_id,
            }),
            TokenCheck::Refused => Err(ApiError::unauthorized(
                "The widget token is not valid for this tenant (unknown, revoked or expired).",
            )),
        }
    }
}
