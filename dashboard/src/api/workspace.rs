//! Typed calls for the first run, invitations, password resets, teammates and the signed-in
//! user's own account (the routes of `shared::workspace`).

use serde::de::IgnoredAny;
use shared::dashboard::{Me, Role};
use shared::workspace::{
    AcceptInvitation, ChangePassword, ChangeRole, CreateWorkspace, InvitationInfo,
    InvitationIssued, InviteTeammate, Member, NewPassword, PasswordResetInfo, PasswordResetIssued,
    SetupStatus, TeammatesPage,
};

use super::{delete, get_json, patch_json, post_empty, post_json, ApiError};

const TEAMMATES: &str = "/api/dashboard/teammates";

/// A POST with a JSON body whose success is `204 No Content`: the empty answer is not JSON, so
/// `Unexpected` (a 2xx whose body could not be read) means it worked.
async fn post_no_content<B: serde::Serialize>(path: &str, body: &B) -> Result<(), ApiError> {
    match post_json::<B, IgnoredAny>(path, body).await {
        Ok(_) | Err(ApiError::Unexpected) => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get_json("/api/setup").await
}

/// Creates the workspace and signs its owner in.
pub async fn create_workspace(request: &CreateWorkspace) -> Result<Me, ApiError> {
    post_json("/api/setup/workspace", request).await
}

pub async fn invitation(token: &str) -> Result<InvitationInfo, ApiError> {
    get_json(&format!("/api/invitations/{token}")).await
}

/// Creates the invited account and signs it in.
pub async fn accept_invitation(token: &str, request: &AcceptInvitation) -> Result<Me, ApiError> {
    post_json(&format!("/api/invitations/{token}/accept"), request).await
}

pub async fn password_reset(token: &str) -> Result<PasswordResetInfo, ApiError> {
    get_json(&format!("/api/password-resets/{token}")).await
}

pub async fn use_password_reset(token: &str, request: &NewPassword) -> Result<(), ApiError> {
    post_no_content(&format!("/api/password-resets/{token}"), request).await
}

pub async fn teammates() -> Result<TeammatesPage, ApiError> {
    get_json(TEAMMATES).await
}

pub async fn invite(email: &str, role: Role) -> Result<InvitationIssued, ApiError> {
    let request = InviteTeammate {
        email: email.to_owned(),
        role: role.as_str().to_owned(),
    };
    post_json(&format!("{TEAMMATES}/invitations"), &request).await
}

pub async fn revoke_invitation(id: &str) -> Result<(), ApiError> {
    delete(&format!("{TEAMMATES}/invitations/{id}")).await
}

pub async fn change_role(id: &str, role: Role) -> Result<Member, ApiError> {
    let request = ChangeRole {
        role: role.as_str().to_owned(),
    };
    patch_json(&format!("{TEAMMATES}/{id}"), &request).await
}

/// `deactivate` or `reactivate`.
pub async fn set_active(id: &str, active: bool) -> Result<Member, ApiError> {
    let action = if active { "reactivate" } else { "deactivate" };
    post_json(&format!("{TEAMMATES}/{id}/{action}"), &()).await
}

pub async fn password_reset_link(id: &str) -> Result<PasswordResetIssued, ApiError> {
    post_json(&format!("{TEAMMATES}/{id}/password-reset"), &()).await
}

pub async fn change_password(request: &ChangePassword) -> Result<(), ApiError> {
    post_no_content("/api/dashboard/me/password", request).await
}

pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    post_empty("/api/dashboard/me/sign-out-everywhere").await
}
