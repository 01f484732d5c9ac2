//! Workspace settings that only admins see or change. For now: the identity-verification
//! secret, which the customer's backend uses to compute each signed-in visitor's `userHash`.

use axum::extract::State;
use axum::http::StatusCode;
use shared::dashboard::{IdentitySecretIssued, IdentitySecretStatus};
use tracing::instrument;

use super::DashboardUser;
use crate::error::{AppJson, Result};
use crate::identity;
use crate::state::AppState;

/// Whether the workspace has an identity secret and since when; never the secret.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn identity_secret(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<IdentitySecretStatus>> {
    user.require_admin()?;
    let secret = identity::find(&state.db, user.tenant_id()).await?;
    Ok(AppJson(IdentitySecretStatus {
        configured: secret.is_some(),
        created_at: secret.map(|s| s.created_at),
    }))
}

/// Creates a new secret and shows it this once; the previous one stops verifying at once.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn rotate_identity_secret(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<(StatusCode, AppJson<IdentitySecretIssued>)> {
    user.require_admin()?;
    let secret = identity::rotate(&state.db, user.tenant_id(), user.actor()).await?;
    tracing::info!(user = %user.user.id, "identity secret rotated");
    Ok((
        StatusCode::CREATED,
        AppJson(IdentitySecretIssued {
            secret: secret.reveal().to_owned(),
            created_at: secret.created_at,
        }),
    ))
}
