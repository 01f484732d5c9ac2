//! Teammates (admins and owners only) and the signed-in user's own account.
//!
//! Every change is audited (`SettingsArea::Teammates`), and its `settings_changed` event makes
//! every open dashboard socket re-check its sign-in at once: a deactivated teammate's sockets
//! close with 4001 on every instance.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::Router;
use shared::dashboard::Role;
use shared::workspace::{
    ChangePassword, ChangeRole, InvitationIssued, InviteTeammate, Member, PasswordResetIssued,
    TeammatesPage,
};
use tracing::instrument;

use super::session::cookie;
use super::setup::{email, email_taken, password};
use super::DashboardUser;
use crate::accounts;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;
use crate::teammates::{self, LinkError, TeammateError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/dashboard/teammates", get(list))
        .route("/api/dashboard/teammates/invitations", post(invite))
        .route(
            "/api/dashboard/teammates/invitations/{id}",
            delete(revoke_invitation),
        )
        .route("/api/dashboard/teammates/{id}", patch(change_role))
        .route("/api/dashboard/teammates/{id}/deactivate", post(deactivate))
        .route("/api/dashboard/teammates/{id}/reactivate", post(reactivate))
        .route(
            "/api/dashboard/teammates/{id}/password-reset",
            post(password_reset),
        )
        .route("/api/dashboard/me/password", post(change_password))
        .route(
            "/api/dashboard/me/sign-out-everywhere",
            post(sign_out_everywhere),
        )
}

impl From<TeammateError> for ApiError {
    fn from(e: TeammateError) -> Self {
        match e {
            TeammateError::NotFound => {
                ApiError::not_found("teammate_not_found", "No such teammate or invitation.")
            }
            TeammateError::OwnerOnly => ApiError::forbidden(
                "owner_only",
                "Only an owner can change another owner or make someone an owner.",
            ),
            TeammateError::OwnAccount => ApiError::forbidden(
                "own_account",
                "You can't change your own role or deactivate yourself; ask another admin.",
            ),
            TeammateError::LastOwner => ApiError::conflict(
                "last_owner",
                "The workspace needs at least one active owner: make someone else an owner first.",
            ),
            TeammateError::EmailTaken => email_taken(),
            TeammateError::Database(e) => ApiError::Database(e),
        }
    }
}

fn role(raw: &str) -> Result<Role> {
    Role::parse(raw.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            "role",
            "invalid_role",
            "The role must be owner, admin, agent or viewer.",
        )
    })
}

/// `<public URL>/<path>`: where a link sends the person it is given to (the dashboard).
fn link(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    format!("{}/{path}", super::public_base(state, headers))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<TeammatesPage>> {
    user.require_admin()?;
    Ok(AppJson(TeammatesPage {
        members: teammates::members(&state.db, user.tenant_id()).await?,
        invitations: teammates::pending_invitations(&state.db, user.tenant_id()).await?,
    }))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn invite(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(request): AppJson<InviteTeammate>,
) -> Result<(StatusCode, AppJson<InvitationIssued>)> {
    user.require_admin()?;
    let email = email(&request.email)?;
    let role = role(&request.role)?;
    let invited = teammates::invite(&state.db, &user.user, &email, role).await?;
    let invitation = invited.invitation;
    Ok((
        StatusCode::CREATED,
        AppJson(InvitationIssued {
            link: link(&state, &headers, &format!("invitations/{}", invited.token)),
            id: invitation.id,
            email: invitation.email,
            role: invitation.role,
            expires_at: invitation.expires_at,
        }),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    teammates::revoke_invitation(&state.db, &user.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn change_role(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(request): AppJson<ChangeRole>,
) -> Result<AppJson<Member>> {
    user.require_admin()?;
    let role = role(&request.role)?;
    Ok(AppJson(
        teammates::change_role(&state.db, &user.user, &id, role).await?,
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn deactivate(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<Member>> {
    user.require_admin()?;
    Ok(AppJson(
        teammates::deactivate(&state.db, &user.user, &id).await?,
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn reactivate(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<Member>> {
    user.require_admin()?;
    Ok(AppJson(
        teammates::reactivate(&state.db, &user.user, &id).await?,
    ))
}

/// A reset link for the admin to pass on (no email is sent yet): 201.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn password_reset(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<(StatusCode, AppJson<PasswordResetIssued>)> {
    user.require_admin()?;
    let issued = teammates::issue_password_reset(&state.db, &user.user, &id).await?;
    Ok((
        StatusCode::CREATED,
        AppJson(PasswordResetIssued {
            link: link(
                &state,
                &headers,
                &format!("reset-password/{}", issued.token),
            ),
            expires_at: issued.expires_at,
        }),
    ))
}

/// The signed-in user's new password; their other sessions end: 204.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn change_password(
    State(state): State<AppState>,
    user: DashboardUser,
    from: ClientAddr,
    AppJson(request): AppJson<ChangePassword>,
) -> Result<StatusCode> {
    // A stolen session must not make a free password-guessing oracle.
    state.limiters.login(from, &user.user.email)?;
    if !accounts::password_matches(&state.db, &user.user.id, &request.current_password).await? {
        return Err(ApiError::invalid_field(
            "currentPassword",
            "wrong_password",
            "That is not your current password.",
        ));
    }
    let new_password = password("newPassword", &request.new_password)?;
    teammates::change_own_password(&state.db, &user.user, &user.token, &new_password)
        .await
        .map_err(|e| match e {
            LinkError::Database(e) => ApiError::Database(e),
            other => ApiError::Internal(anyhow::anyhow!(other.to_string())),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the user, this one too, and clears the cookie: 204.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<Response> {
    teammates::sign_out_everywhere(&state.db, &user.user).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie(&state, "", 0))],
    )
        .into_response())
}
