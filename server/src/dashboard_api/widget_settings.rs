//! The chat widget's settings, for admins: branding (`/settings/widget`), allowed domains
//! (`/settings/domains`) and widget tokens (`/settings/tokens`). Agents and viewers get 403 on
//! all of them (the token list and the domain list included); another workspace's ids are 404.
//!
//! - `GET /api/dashboard/settings/widget` → [`WidgetSettingsPage`]; `PUT` takes
//!   [`WidgetSettings`] whole, answers the page, 422 naming the first bad field.
//! - `GET /api/dashboard/settings/domains` → [`DomainList`]; `POST` [`DomainRequest`] → 201
//!   with the normalised origin (409 `origin_exists` when listed, 422 `origin` when not an
//!   origin); `DELETE ?origin=<origin>` → 204 (404 when not listed).
//! - `GET /api/dashboard/settings/tokens` → [`TokenList`]; `POST` [`IssueTokenRequest`] → 201
//!   [`TokenIssued`] (the token, this once); `POST /tokens/{id}/revoke` → the row.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use shared::origin::AllowedOrigin;
use shared::widget_settings::{
    Branding, DomainList, DomainRequest, IssueTokenRequest, TokenIssued, TokenList, WidgetSettings,
    WidgetSettingsPage, WidgetTokenView,
};
use tracing::instrument;

use super::DashboardUser;
use crate::error::{ApiError, AppJson, AppQuery, Result};
use crate::state::AppState;
use crate::{assistants, origins, tenants, widget_tokens};

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    tenant_id: &str,
    branding: &Branding,
) -> Result<WidgetSettingsPage> {
    let default_greeting = assistants::load_default(&state.db, tenant_id)
        .await?
        .map_or_else(
            || format!("Hi! How can {} help?", branding.company_name),
            |a| a.assistant.greeting,
        );
    Ok(WidgetSettingsPage {
        settings: branding.to_settings(),
        tenant_id: tenant_id.to_owned(),
        api_url: super::public_base(state, headers),
        default_greeting,
    })
}

fn tenant_gone() -> ApiError {
    ApiError::not_found("tenant_not_found", "This workspace no longer exists.")
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_widget(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
) -> Result<AppJson<WidgetSettingsPage>> {
    user.require_admin()?;
    let tenant = tenants::find_tenant(&state.db, user.tenant_id())
        .await?
        .ok_or_else(tenant_gone)?;
    let page = page(&state, &headers, &tenant.id, &tenant.branding()).await?;
    Ok(AppJson(page))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_widget(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(settings): AppJson<WidgetSettings>,
) -> Result<AppJson<WidgetSettingsPage>> {
    user.require_admin()?;
    let branding = Branding::parse(&settings).map_err(ApiError::from)?;
    let stored = tenants::update_branding(&state.db, user.tenant_id(), &branding, user.actor())
        .await?
        .ok_or_else(tenant_gone)?;
    let page = page(&state, &headers, user.tenant_id(), &stored).await?;
    Ok(AppJson(page))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list_domains(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<DomainList>> {
    user.require_admin()?;
    let origins = origins::allowed_origins(&state.db, user.tenant_id()).await?;
    Ok(AppJson(DomainList {
        empty: origins.is_empty(),
        origins,
    }))
}

fn parse_origin(origin: &str) -> Result<AllowedOrigin> {
    AllowedOrigin::parse(origin)
        .map_err(|e| ApiError::invalid_field("origin", "invalid_origin", e.to_string()))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn add_domain(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(body): AppJson<DomainRequest>,
) -> Result<(StatusCode, AppJson<DomainRequest>)> {
    user.require_admin()?;
    let origin = parse_origin(&body.origin)?;
    if !origins::add(&state.db, user.tenant_id(), &origin, user.actor()).await? {
        return Err(ApiError::Client {
            status: StatusCode::CONFLICT,
            code: "origin_exists",
            message: format!("{origin} is already on the list."),
            field: Some("origin".into()),
            retry_after_secs: None,
        });
    }
    Ok((
        StatusCode::CREATED,
        AppJson(DomainRequest {
            origin: origin.as_str().to_owned(),
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DomainQuery {
    origin: Option<String>,
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn remove_domain(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<DomainQuery>,
) -> Result<StatusCode> {
    user.require_admin()?;
    let Some(given) = query.origin.filter(|o| !o.trim().is_empty()) else {
        return Err(ApiError::invalid_field(
            "origin",
            "invalid_origin",
            "Say which origin to remove: ?origin=https://shop.example.com.",
        ));
    };
    // An entry stored before the rules (e.g. `*`) can still be removed by its stored text.
    let stored = origins::normalize_origin(&given);
    if origins::remove(&state.db, user.tenant_id(), &stored, user.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "origin_not_found",
            format!("{stored} is not on the list."),
        ))
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<TokenList>> {
    user.require_admin()?;
    let tokens = widget_tokens::list(&state.db, user.tenant_id()).await?;
    Ok(AppJson(TokenList { tokens }))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn issue_token(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(body): AppJson<IssueTokenRequest>,
) -> Result<(StatusCode, AppJson<TokenIssued>)> {
    user.require_admin()?;
    let (label, days) = body.parse().map_err(ApiError::from)?;
    let (token, issued) =
        widget_tokens::issue(&state.db, user.tenant_id(), &label, days, user.actor()).await?;
    tracing::info!(user = %user.user.id, token = %token.id, "widget token issued");
    Ok((
        StatusCode::CREATED,
        AppJson(TokenIssued {
            token,
            secret: issued.token,
            tenant_id: user.tenant_id().to_owned(),
            api_url: super::public_base(&state, &headers),
        }),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<WidgetTokenView>> {
    user.require_admin()?;
    let token = widget_tokens::revoke(&state.db, user.tenant_id(), &id, user.actor())
        .await?
        .ok_or_else(|| ApiError::not_found("token_not_found", "No such widget token."))?;
    tracing::info!(user = %user.user.id, token = %token.id, "widget token revoked");
    Ok(AppJson(token))
}
