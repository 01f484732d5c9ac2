//! Workspaces, teammates and the signed-in user's own account: the JSON of the first-run set-up,
//! invitations, password resets and the teammates settings page. camelCase on the wire.
//!
//! Requests carry what the person typed as plain strings (emails, names, roles, passwords): the
//! server parses each and answers 422 naming the field that is wrong.
//!
//! Public routes (no sign-in):
//! - `GET /api/setup` → [`SetupStatus`]; `POST /api/setup/workspace` [`CreateWorkspace`] → 201
//!   `Me` and the session cookie.
//! - `GET /api/invitations/{token}` → [`InvitationInfo`]; `POST /api/invitations/{token}/accept`
//!   [`AcceptInvitation`] → 201 `Me` and the cookie.
//! - `GET /api/password-resets/{token}` → [`PasswordResetInfo`]; `POST
//!   /api/password-resets/{token}` [`NewPassword`] → 204.
//!
//! Under `/api/dashboard` (admins and owners):
//! - `GET /teammates` → [`TeammatesPage`].
//! - `POST /teammates/invitations` [`InviteTeammate`] → 201 [`InvitationIssued`];
//!   `DELETE /teammates/invitations/{id}` → 204.
//! - `PATCH /teammates/{id}` [`ChangeRole`] → [`Member`].
//! - `POST /teammates/{id}/deactivate`, `/reactivate` → [`Member`].
//! - `POST /teammates/{id}/password-reset` → 201 [`PasswordResetIssued`].
//!
//! Under `/api/dashboard` (anyone signed in):
//! - `POST /me/password` [`ChangePassword`] → 204; `POST /me/sign-out-everywhere` → 204.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dashboard::Role;

/// Longest company name, in characters.
pub const MAX_COMPANY_CHARS: usize = 100;

/// A company's name as its workspace shows it: 1 to 100 characters, trimmed, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName(String);

/// Why a string is not a company name; `Display` is a sentence the person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyNameError {
    Empty,
    TooLong,
    ControlCharacter,
}

impl fmt::Display for CompanyNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Please enter your company's name."),
            Self::TooLong => write!(
                f,
                "A company name can have at most {MAX_COMPANY_CHARS} characters."
            ),
            Self::ControlCharacter => {
                f.write_str("The company name contains an invisible control character.")
            }
        }
    }
}

impl std::error::Error for CompanyNameError {}

impl CompanyName {
    pub fn parse(input: &str) -> Result<Self, CompanyNameError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CompanyNameError::Empty);
        }
        if s.chars().any(char::is_control) {
            return Err(CompanyNameError::ControlCharacter);
        }
        if s.chars().count() > MAX_COMPANY_CHARS {
            return Err(CompanyNameError::TooLong);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `GET /api/setup`: what the dashboard shows someone who is not signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    /// No workspace exists yet: show "Create your workspace" instead of the sign-in.
    pub needs_workspace: bool,
    /// Anyone may create a new workspace (`LIVECHAT_SIGNUP=open`).
    pub signup_open: bool,
}

/// `POST /api/setup/workspace` body: the workspace and its first owner.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkspace {
    pub company_name: String,
    /// The owner's name.
    pub name: String,
    pub email: String,
    pub password: String,
}

impl fmt::Debug for CreateWorkspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateWorkspace")
            .field("company_name", &self.company_name)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A teammate as the teammates page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// False once deactivated: they cannot sign in.
    pub active: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds of their latest sign-in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<i64>,
}

/// An invitation not yet accepted, revoked or expired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingInvitation {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
}

/// `GET /api/dashboard/teammates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeammatesPage {
    /// Owners first, then by name.
    pub members: Vec<Member>,
    /// Newest first.
    pub invitations: Vec<PendingInvitation>,
}

/// `POST /api/dashboard/teammates/invitations` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteTeammate {
    pub email: String,
    /// `owner`, `admin`, `agent` or `viewer`.
    pub role: String,
}

/// A new invitation: the link (with its single-use token) is shown this once, to the admin who
/// made it, to pass on. `Debug` does not print the link.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationIssued {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
    pub link: String,
}

impl fmt::Debug for InvitationIssued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvitationIssued")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .field("link", &"[redacted]")
            .finish()
    }
}

/// `GET /api/invitations/{token}`: what the invitation page shows before accepting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationInfo {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
}

/// `POST /api/invitations/{token}/accept` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptInvitation {
    pub name: String,
    pub password: String,
}

impl fmt::Debug for AcceptInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptInvitation")
            .field("name", &self.name)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// `PATCH /api/dashboard/teammates/{id}` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRole {
    /// `owner`, `admin`, `agent` or `viewer`.
    pub role: String,
}

/// `POST /api/dashboard/teammates/{id}/password-reset`: a single-use link for the teammate to
/// set a new password, shown to the admin to pass on. `Debug` does not print the link.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetIssued {
    pub link: String,
    pub expires_at: i64,
}

impl fmt::Debug for PasswordResetIssued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordResetIssued")
            .field("link", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `GET /api/password-resets/{token}`: whose password the link sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordResetInfo {
    pub email: String,
}

/// `POST /api/password-resets/{token}` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPassword {
    pub password: String,
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

/// `POST /api/dashboard/me/password` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_are_trimmed_and_bounded() {
        assert_eq!(CompanyName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(CompanyName::parse(" "), Err(CompanyNameError::Empty));
        assert!(CompanyName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            CompanyName::parse(&"é".repeat(101)),
            Err(CompanyNameError::TooLong)
        );
        assert_eq!(
            CompanyName::parse("Ac\u{0}me"),
            Err(CompanyNameError::ControlCharacter)
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let issued = InvitationIssued {
            id: "inv_1".into(),
            email: "a@b.co".into(),
            role: Role::Agent,
            expires_at: 1,
            link: "http://x/invitations/secret-token".into(),
        };
        assert!(!format!("{issued:?}").contains("secret-token"));
        let body = ChangePassword {
            current_password: "old-secret".into(),
            new_password: "new-secret".into(),
        };
        assert!(!format!("{body:?}").contains("secret"));
    }

    #[test]
    fn members_serialise_in_camel_case() {
        let member = Member {
            id: "usr_1".into(),
            name: "Ann".into(),
            email: "ann@example.com".into(),
            role: Role::Owner,
            active: true,
            created_at: 5,
            last_sign_in_at: None,
        };
        let json = serde_json::to_value(&member).unwrap();
        assert_eq!(json["role"], "owner");
        assert_eq!(json["createdAt"], 5);
        assert!(json.get("lastSignInAt").is_none());
    }
}
