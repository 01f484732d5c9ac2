//! The public routes of getting in without an account: the first run (`/api/setup`), accepting
//! an invitation (`/api/invitations/{token}`) and setting a password with a reset link
//! (`/api/password-resets/{token}`). The ones that change something come from the dashboard's
//! own origin and are rate-limited like sign-ins; the ones that create a user sign them in.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use shared::workspace::{
    AcceptInvitation, CompanyName, CreateWorkspace, InvitationInfo, NewPassword, PasswordResetInfo,
    SetupStatus,
};
use shared::{Email, PersonName};
use tracing::instrument;

use super::check_same_origin;
use super::session::sign_in;
use crate::accounts::Password;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;
use crate::teammates::{self, LinkError};
use crate::workspaces::{self, CreateWorkspaceError, NewWorkspace, Signup};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/setup", get(status))
        .route("/api/setup/workspace", post(create_workspace))
        .route("/api/invitations/{token}", get(invitation))
        .route("/api/invitations/{token}/accept", post(accept_invitation))
        .route(
            "/api/password-resets/{token}",
            get(password_reset).post(use_password_reset),
        )
}

/// The 422 for a password that breaks the policy, naming `field`.
pub(super) fn password(field: &'static str, raw: &str) -> Result<Password> {
    Password::parse(raw).map_err(|m| ApiError::invalid_field(field, "invalid_password", m))
}

pub(super) fn person_name(raw: &str) -> Result<PersonName> {
    PersonName::parse(raw)
        .map_err(|e| ApiError::invalid_field("name", "invalid_name", e.to_string()))
}

pub(super) fn email(raw: &str) -> Result<Email> {
    Email::parse(raw).map_err(|e| ApiError::invalid_field("email", "invalid_email", e.to_string()))
}

pub(super) fn email_taken() -> ApiError {
    ApiError::conflict(
        "email_taken",
        "This email address already has an account on this server.",
    )
}

/// What a dead link answers; `kind` is `invitation` or `reset`.
fn link_error(e: LinkError, kind: &'static str) -> ApiError {
    let (not_found, expired, used, what) = match kind {
        "invitation" => (
            "invitation_not_found",
            "invitation_expired",
            "invitation_used",
            "invitation",
        ),
        _ => (
            "reset_not_found",
            "reset_expired",
            "reset_used",
            "reset link",
        ),
    };
    match e {
        LinkError::NotFound => ApiError::not_found(
            not_found,
            format!("This {what} does not exist or was withdrawn."),
        ),
        LinkError::Expired => ApiError::gone(
            expired,
            format!("This {what} has expired. Ask an admin for a new one."),
        ),
        LinkError::Used => ApiError::gone(used, format!("This {what} was already used.")),
        LinkError::EmailTaken => email_taken(),
        LinkError::Hash(m) => ApiError::Internal(anyhow::anyhow!(m)),
        LinkError::Database(e) => ApiError::Database(e),
    }
}

#[instrument(skip_all)]
pub async fn status(State(state): State<AppState>) -> Result<AppJson<SetupStatus>> {
    Ok(AppJson(SetupStatus {
        needs_workspace: workspaces::none_exists(&state.db).await?,
        signup_open: state.config.signup_open,
    }))
}

/// Creates a workspace and its owner, and signs the owner in: 201 `Me`.
#[instrument(skip_all)]
pub async fn create_workspace(
    State(state): State<AppState>,
    from: ClientAddr,
    headers: HeaderMap,
    AppJson(request): AppJson<CreateWorkspace>,
) -> Result<Response> {
    check_same_origin(&headers, &state)?;
    state.limiters.login(from, &request.email)?;
    let new = NewWorkspace {
        company: CompanyName::parse(&request.company_name).map_err(|e| {
            ApiError::invalid_field("companyName", "invalid_company_name", e.to_string())
        })?,
        owner_name: person_name(&request.name)?,
        owner_email: email(&request.email)?,
        password: password("password", &request.password)?,
    };
    let signup = if state.config.signup_open {
        Signup::Open
    } else {
        Signup::FirstOnly
    };
    let owner = workspaces::create(&state.db, &new, signup)
        .await
        .map_err(|e| match e {
            CreateWorkspaceError::SignupClosed => ApiError::forbidden(
                "signup_closed",
                "This server already has a workspace. Ask its owner for an invitation.",
            ),
            CreateWorkspaceError::EmailTaken => email_taken(),
            CreateWorkspaceError::Hash(m) => ApiError::Internal(anyhow::anyhow!(m)),
            CreateWorkspaceError::Database(e) => ApiError::Database(e),
        })?;
    sign_in(&state, owner, StatusCode::CREATED).await
}

#[instrument(skip_all)]
pub async fn invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<AppJson<InvitationInfo>> {
    let view = teammates::invitation(&state.db, &token)
        .await
        .map_err(|e| link_error(e, "invitation"))?;
    Ok(AppJson(InvitationInfo {
        workspace_name: view.workspace_name,
        email: view.email,
        role: view.role,
    }))
}

/// Creates the invited user and signs them in: 201 `Me`.
#[instrument(skip_all)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    from: ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    AppJson(request): AppJson<AcceptInvitation>,
) -> Result<Response> {
    check_same_origin(&headers, &state)?;
    state.limiters.login(from, &token)?;
    let name = person_name(&request.name)?;
    let password = password("password", &request.password)?;
    let user = teammates::accept(&state.db, &token, &name, &password)
        .await
        .map_err(|e| link_error(e, "invitation"))?;
    sign_in(&state, user, StatusCode::CREATED).await
}

#[instrument(skip_all)]
pub async fn password_reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<AppJson<PasswordResetInfo>> {
    let view = teammates::password_reset(&state.db, &token)
        .await
        .map_err(|e| link_error(e, "reset"))?;
    Ok(AppJson(PasswordResetInfo { email: view.email }))
}

/// Sets the new password; every session of the user ends (they sign in with it): 204.
#[instrument(skip_all)]
pub async fn use_password_reset(
    State(state): State<AppState>,
    from: ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    AppJson(request): AppJson<NewPassword>,
) -> Result<StatusCode> {
    check_same_origin(&headers, &state)?;
    state.limiters.login(from, &token)?;
    let password = password("password", &request.password)?;
    teammates::use_password_reset(&state.db, &token, &password)
        .await
        .map_err(|e| link_error(e, "reset"))?;
    Ok(StatusCode::NO_CONTENT)
}
