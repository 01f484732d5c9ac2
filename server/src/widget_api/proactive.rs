//! Proactive messages for the widget's loader:
//!
//! - `GET /proactive` → [`WidgetProactive`]: the workspace's active rules (none when it turned
//!   the feature off, or while a capped plan refuses new chats), from a cache dropped when the
//!   settings change. Every page load of every
//!   site with the widget asks, so the browser may keep the answer a minute.
//! - `POST /track` with [`TrackRequest`] → 204: a bubble was shown, opened or dismissed, counted
//!   per rule and day. The rule must be one the widget is being served (404 `unknown_rule`
//!   otherwise, e.g. a rule deleted since the page loaded); rate-limited per address, as anyone
//!   who has read the page source can send these.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::proactive::{BubbleEvent, TrackRequest, WidgetProactive};
use tracing::instrument;

use super::WidgetAuth;
use crate::client_addr::ClientAddr;
use crate::db::now_ms;
use crate::error::{ApiError, AppJson, Result};
use crate::proactive::{store, widget_rules};
use crate::state::AppState;
use crate::usage;

/// How long a browser may reuse the rules: a changed rule reaches visitors within this.
const MAX_AGE_SECS: u32 = 60;

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn rules(State(state): State<AppState>, auth: WidgetAuth) -> Result<Response> {
    let mut rules = cached(&state, &auth.tenant.id).await?.as_ref().clone();
    // A bubble invites the visitor to chat: none past a capped plan's conversations, when a new
    // chat would be refused (asked only of workspaces with rules: it is a count).
    if !rules.rules.is_empty() && usage::at_cap(&state.db, &state.config, &auth.tenant.id).await? {
        rules.rules.clear();
    }
    let cache = format!("private, max-age={MAX_AGE_SECS}");
    Ok(([(header::CACHE_CONTROL, cache)], AppJson(rules)).into_response())
}

#[instrument(skip_all, fields(tenant = %auth.tenant.id))]
pub async fn track(
    State(state): State<AppState>,
    auth: WidgetAuth,
    from: ClientAddr,
    AppJson(request): AppJson<TrackRequest>,
) -> Result<StatusCode> {
    state.limiters.track(from)?;
    let event = BubbleEvent::parse(&request.event).ok_or_else(|| {
        ApiError::invalid_field(
            "event",
            "unknown_event",
            "The event must be shown, opened or dismissed.",
        )
    })?;
    let rules = cached(&state, &auth.tenant.id).await?;
    if !rules.rules.iter().any(|r| r.id == request.rule_id) {
        return Err(ApiError::client(
            StatusCode::NOT_FOUND,
            "unknown_rule",
            "No active proactive message has this id.",
        ));
    }
    store::count(
        &state.db,
        &auth.tenant.id,
        &request.rule_id,
        event,
        now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cached(state: &AppState, tenant_id: &str) -> Result<Arc<WidgetProactive>> {
    let db = state.db.clone();
    let tenant = tenant_id.to_owned();
    Ok(state
        .proactive
        .get(tenant_id, || async move {
            store::load(&db, &tenant)
                .await
                .map(|settings| widget_rules(&settings))
        })
        .await?)
}
