//! Clients from the dashboard. So far: applying a contact detail a customer mentioned.
//!
//! - `POST /api/dashboard/clients/{client_id}/mentions/{mention_id}/apply` (agents and admins;
//!   viewers 403) → the client as it now is ([`ClientBrief`]). The value it replaces stays
//!   available as a mention. 404 `mention_not_found` for an unknown, applied or other
//!   workspace's mention; 409 `email_taken` when another client has the email (merge them).

use axum::extract::{Path, State};
use shared::dashboard::ClientBrief;
use tracing::instrument;

use super::DashboardUser;
use crate::clients::mentions::{self, ApplyError};
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn apply_mention(
    State(state): State<AppState>,
    user: DashboardUser,
    Path((client_id, mention_id)): Path<(String, String)>,
) -> Result<AppJson<ClientBrief>> {
    user.require_agent()?;
    match mentions::apply(&state.db, user.tenant_id(), &client_id, &mention_id).await {
        Ok(client) => Ok(AppJson(client)),
        Err(ApplyError::NotFound) => Err(ApiError::not_found(
            "mention_not_found",
            "No such mention: it may have been applied already.",
        )),
        Err(ApplyError::EmailTaken) => Err(ApiError::conflict(
            "email_taken",
            "Another client has this email address. Merge the two clients instead.",
        )),
        Err(ApplyError::Store(e)) => Err(e.into()),
    }
}
