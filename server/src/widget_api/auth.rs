//! `Authorization: Bearer <widget token>`, checked against the tenant in the path. A browser's
//! `EventSource` cannot set headers, so `?token=<widget token>` is accepted instead when the
//! header is absent (the widget token is public: it sits in the embed snippet).

use axum::extract::{FromRequestParts, Query};
use serde::Deserialize;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::{self, Tenant};

/// Proof that the request carries a live widget token of the tenant it addresses.
pub struct WidgetAuth {
    pub tenant: Tenant,
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
        let from_query = Query::<TokenQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.token);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
            .or(from_query)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Send the widget token as `Authorization: Bearer <token>`.")
            })?;
        match tenants::tenant_of_token(&state.db, &token).await? {
            Some(owner) if owner == tenant.id => Ok(Self { tenant }),
            _ => Err(ApiError::unauthorized(
                "The widget token is not valid for this tenant (unknown, revoked or expired).",
            )),
        }
    }
}
