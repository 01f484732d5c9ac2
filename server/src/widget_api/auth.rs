//! `Authorization: Bearer <widget token>`, checked against the tenant in the path. A browser's
//! `EventSource` cannot set headers, so on the event stream alone `?token=<widget token>` is
//! accepted instead when the header is absent (the widget token is public: it sits in the embed
//! snippet, but a token in a URL also lands in logs and histories, so nowhere it isn't needed).

use axum::extract::{FromRequestParts, MatchedPath, Query};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;

use super::EVENTS_ROUTE;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::Tenant;
use crate::widget_tokens;

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
        let tenant = parts
            .extensions
            .get::<Tenant>()
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
        match widget_tokens::live_token(&state.db, &token).await? {
            Some(live) if live.tenant_id == tenant.id => {
                // Bookkeeping only: a failed write must not refuse the visitor.
                if let Err(e) = widget_tokens::record_use(&state.db, &live).await {
                    tracing::warn!(error = %e, "recording a widget token's use");
                }
                Ok(Self {
                    tenant,
                    token_id: live.id,
                })
            }
            _ => Err(ApiError::unauthorized(
                "The widget token is not valid for this tenant (unknown, revoked or expired).",
            )),
        }
    }
}
