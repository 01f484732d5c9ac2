//! Signing in and out of the dashboard, and [`DashboardUser`]: the signed-in teammate every
//! dashboard handler takes.
//!
//! The session lives in the `lc_session` cookie: HttpOnly (scripts cannot read it), SameSite=Strict
//! (other sites cannot send it), `Secure` when the server's public URL is https, with an expiry.
//! Requests that change something must also come from the dashboard's own origin when the browser
//! says where it comes from (`Origin`), a second guard against cross-site requests.

use std::net::SocketAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::dashboard::{LoginRequest, Me, Role};
use tracing::instrument;

use crate::accounts::{self, User};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppJson, Result};
use crate::state::AppState;

pub const COOKIE: &str = "lc_session";

/// The signed-in teammate of the request.
#[derive(Debug, Clone)]
pub struct DashboardUser {
    pub user: User,
    /// The session token, to end it on logout.
    pub token: String,
}

impl DashboardUser {
    pub fn tenant_id(&self) -> &str {
        &self.user.tenant_id
    }

    /// Viewers read; only admins and agents change conversations.
    pub fn require_agent(&self) -> Result<()> {
        if self.user.role.can_act() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "read_only",
                "Your role (viewer) can read conversations but not change them.",
            ))
        }
    }

    /// Settings and teammates are for admins (and owners) only.
    pub fn require_admin(&self) -> Result<()> {
        if self.user.role.can_manage_settings() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "admin_only",
                "Only an admin can see or change the workspace's settings.",
            ))
        }
    }

    /// Managing owners (making, demoting, deactivating one) is for owners only.
    pub fn require_owner(&self) -> Result<()> {
        if self.user.role == Role::Owner {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "owner_only",
                "Only an owner can change another owner or make someone an owner.",
            ))
        }
    }

    /// Who did it, for the audit log.
    pub fn actor(&self) -> crate::audit::Actor<'_> {
        crate::audit::Actor {
            user_id: Some(&self.user.id),
            name: &self.user.name,
        }
    }

    pub fn me(&self) -> Me {
        Me {
            user_id: self.user.id.clone(),
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            role: self.user.role,
            tenant_id: self.user.tenant_id.clone(),
            tenant_name: self.user.tenant_name.clone(),
        }
    }
}

impl FromRequestParts<AppState> for DashboardUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !is_safe(&parts.method) {
            check_same_origin(&parts.headers, state)?;
        }
        let token = session_cookie(&parts.headers).ok_or_else(ApiError::not_signed_in)?;
        let user = accounts::user_of_session(&state.db, &token)
            .await?
            .ok_or_else(ApiError::not_signed_in)?;
        Ok(Self { user, token })
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of the session cookie, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The origins the dashboard is served from: `LIVECHAT_PUBLIC_URL`'s origin when set, else the
/// address the API listens on (with `localhost` and `127.0.0.1` for its port). Never the `Host`
/// header: the caller writes that, and a forged one would name whatever `Origin` it sends.
pub fn own_origins(public_url: Option<&str>, listening: SocketAddr) -> Vec<String> {
    if let Some(url) = public_url {
        return vec![origin_of(url)];
    }
    let port = listening.port();
    let mut origins = vec![
        format!("http://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
        format!("http://[::1]:{port}"),
    ];
    let listen = format!("http://{listening}");
    if !listening.ip().is_unspecified() && !origins.contains(&listen) {
        origins.push(listen);
    }
    origins
}

/// The base URL people reach this server at, for links and snippets the dashboard hands out
/// (invitations, password resets, the widget's `apiUrl`): `LIVECHAT_PUBLIC_URL` when set; else
/// the origin this request's `Host` names when it is one of [`own_origins`] (the admin's own
/// address bar), else the first of them. A forged `Host` never ends up in a link.
pub fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let from_host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|host| format!("http://{}", host.to_ascii_lowercase()))
        .filter(|origin| state.dashboard_origins.contains(origin));
    from_host
        .or_else(|| state.dashboard_origins.first().cloned())
        .unwrap_or_default()
}

/// `scheme://host[:port]` of a URL: what a browser sends as `Origin`.
fn origin_of(url: &str) -> String {
    let url = url.trim();
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_ascii_lowercase()
}

/// A browser's request must come from the dashboard's own origin (no `Origin`: not a browser's
/// cross-site request, since browsers send it on every cross-origin request and on WebSocket
/// handshakes).
pub fn check_same_origin(headers: &HeaderMap, state: &AppState) -> Result<()> {
    // Every `Origin` given must be ours (more than one is already suspicious).
    let foreign = headers.get_all(header::ORIGIN).iter().any(|origin| {
        !state
            .dashboard_origins
            .iter()
            .any(|o| o.as_bytes() == origin.as_bytes())
    });
    if !foreign {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "origin_not_allowed",
            "This request must come from the dashboard's own page.",
        ))
    }
}

/// The `Set-Cookie` value of a session token (an empty value with age 0 clears it).
pub(super) fn cookie(state: &AppState, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let header = format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&header).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    from: ClientAddr,
    headers: HeaderMap,
    AppJson(request): AppJson<LoginRequest>,
) -> Result<Response> {
    check_same_origin(&headers, &state)?;
    state.limiters.login(from, &request.email)?;
    let user = accounts::authenticate(&state.db, &request.email, &request.password)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized_with(
                "invalid_credentials",
                "The email or the password is not right.",
            )
        })?;
    Ok(sign_in(&state, user, StatusCode::OK).await?.into_response())
}

/// Starts a session for `user` and answers `status` with [`Me`] and the session cookie: the
/// end of a sign-in, a first-run set-up and an accepted invitation alike.
pub(super) async fn sign_in(state: &AppState, user: User, status: StatusCode) -> Result<Response> {
    let token = accounts::start_session(&state.db, &user.id, state.config.session_ttl).await?;
    tracing::info!(user = %user.id, tenant = %user.tenant_id, "signed in");
    let set_cookie = cookie(state, &token, state.config.session_ttl.as_secs());
    let me = DashboardUser { user, token }.me();
    Ok((status, [(header::SET_COOKIE, set_cookie)], AppJson(me)).into_response())
}

pub async fn logout(State(state): State<AppState>, user: DashboardUser) -> Result<Response> {
    accounts::end_session(&state.db, &user.token).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie(&state, "", 0))],
    )
        .into_response())
}

pub async fn me(user: DashboardUser) -> AppJson<Me> {
    AppJson(user.me())
}

#[cfg(test)]
mod tests {
    use super::own_origins;

    #[test]
    fn the_public_url_alone_is_the_origin_when_set() {
        let listen = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(
            own_origins(Some("https://Chat.Example.com/app/"), listen),
            ["https://chat.example.com"]
        );
        assert_eq!(
            own_origins(Some("http://chat.example.com:8443"), listen),
            ["http://chat.example.com:8443"]
        );
    }

    #[test]
    fn without_a_public_url_the_listen_address_and_loopback_names_are() {
        let any = own_origins(None, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(
            any,
            [
                "http://localhost:8080",
                "http://127.0.0.1:8080",
                "http://[::1]:8080"
            ]
        );
        let lan = own_origins(None, "192.168.1.5:9000".parse().unwrap());
        assert!(lan.contains(&"http://192.168.1.5:9000".to_owned()));
    }
}
