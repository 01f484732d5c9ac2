//! Clients from the dashboard: a client's page, what agents write about them, merging two
//! clients who are one person, and applying a contact detail a customer mentioned.
//!
//! - `GET /api/dashboard/clients/{client_id}` (everyone signed in) → [`ClientRecord`]; 404
//!   `client_not_found` for an unknown or another workspace's client.
//! - `PUT /api/dashboard/clients/{client_id}/profile` [`ClientProfile`] (agents and admins;
//!   viewers 403) → [`ClientRecord`]; 422 naming the field.
//! - `POST /api/dashboard/clients/{client_id}/merge` [`MergeClients`] (agents and admins) → the
//!   kept client's [`ClientRecord`]; `other` moves into it and is gone. 404 `client_not_found`,
//!   422 `same_client` (field `other`).
//! - `POST /api/dashboard/clients/{client_id}/mentions/{mention_id}/apply` (agents and admins)
//!   → the client as it now is ([`ClientBrief`]). The value it replaces stays available as a
//!   mention. 404 `mention_not_found` for an unknown, applied or other workspace's mention; 409
//!   `email_taken` / `phone_taken` when another client has it (merge them).

use axum::extract::{Path, State};
use shared::dashboard::{ClientBrief, ClientProfile, ClientRecord, MentionKind, MergeClients};
use tracing::instrument;

use super::DashboardUser;
use crate::clients::mentions::{self, ApplyError};
use crate::clients::merge::{self, MergeError};
use crate::clients::record;
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

fn client_not_found() -> ApiError {
    ApiError::not_found(
        "client_not_found",
        "No such client: it may have been merged.",
    )
}

async fn page(state: &AppState, user: &DashboardUser, client_id: &str) -> Result<ClientRecord> {
    record::record(&state.db, user.tenant_id(), &user.user.id, client_id)
        .await?
        .ok_or_else(client_not_found)
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_client(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(client_id): Path<String>,
) -> Result<AppJson<ClientRecord>> {
    Ok(AppJson(page(&state, &user, &client_id).await?))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_profile(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(client_id): Path<String>,
    AppJson(profile): AppJson<ClientProfile>,
) -> Result<AppJson<ClientRecord>> {
    user.require_agent()?;
    let profile = profile.parse()?;
    if !record::set_profile(&state.db, user.tenant_id(), &client_id, &profile).await? {
        return Err(client_not_found());
    }
    Ok(AppJson(page(&state, &user, &client_id).await?))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn merge_clients(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(client_id): Path<String>,
    AppJson(request): AppJson<MergeClients>,
) -> Result<AppJson<ClientRecord>> {
    user.require_agent()?;
    let merged = merge::merge(
        &state.db,
        user.tenant_id(),
        &client_id,
        &request.other,
        user.actor(),
    )
    .await;
    match merged {
        Ok(_) => Ok(AppJson(page(&state, &user, &client_id).await?)),
        Err(MergeError::NotFound) => Err(client_not_found()),
        Err(MergeError::SameClient) => Err(ApiError::invalid_field(
            "other",
            "same_client",
            "A client cannot be merged into itself: pick another client.",
        )),
        Err(MergeError::Store(e)) => Err(e.into()),
    }
}

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
        Err(ApplyError::Taken(MentionKind::Phone)) => Err(ApiError::conflict(
            "phone_taken",
            "Another client has this phone number. Merge the two clients instead.",
        )),
        Err(ApplyError::Taken(_)) => Err(ApiError::conflict(
            "email_taken",
            "Another client has this email address. Merge the two clients instead.",
        )),
        Err(ApplyError::Store(e)) => Err(e.into()),
    }
}
