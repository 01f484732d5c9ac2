//! `Authorization: Bearer <widget token>`, checked against the tenant in the path.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::{self, Tenant};

/// Proof that the request carries a live widget token of the tenant it addresses.
pub struct WidgetAuth {
    pub tenant: Tenant,
}

impl FromRequestParts<AppState> for WidgetAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let tenant = parts
            .extensions
            .get::<Tenant>()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("widget route reached without the tenant gate"))?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Send the widget token as `Authorization: Bearer <token>`.")
            })?;
        match tenants::tenant_of_token(&state.db, token).await? {
            Some(owner) if owner == tenant.id => Ok(Self { tenant }),
            _ => Err(ApiError::unauthorized(
                "The widget token is not valid for this tenant (unknown, revoked or expired).",
            )),
        }
    }
}
