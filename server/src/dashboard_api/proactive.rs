//! Proactive message settings (`/settings/proactive`), for admins: whether the widget shows
//! bubbles at all, the rules in the order they are tried, and what visitors did with each.
//! Agents and viewers get 403 on reads too, like every settings page.
//!
//! - `GET /api/dashboard/settings/proactive` → [`ProactivePage`]: the settings (off with no rules
//!   when never saved) and each rule's counts over the last [`COUNT_DAYS`] days.
//! - `PUT` takes [`ProactiveSettingsView`] whole and answers the page; 422 names the first bad
//!   field as `rules[i].<field>` (or `rules` for too many). A rule keeps its id across saves
//!   (new ones get one). Saving what is already stored writes no audit entry.

use axum::extract::State;
use shared::proactive::{ProactivePage, ProactiveSettingsView};
use tracing::instrument;

use super::DashboardUser;
use crate::db::now_ms;
use crate::error::{AppJson, Result};
use crate::proactive::{normalise, store};
use crate::state::AppState;

/// The counts' window, today included.
pub const COUNT_DAYS: u32 = 30;

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn get_proactive(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<ProactivePage>> {
    user.require_admin()?;
    let settings = store::load(&state.db, user.tenant_id()).await?;
    page(&state, user.tenant_id(), settings).await
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn put_proactive(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(body): AppJson<ProactiveSettingsView>,
) -> Result<AppJson<ProactivePage>> {
    user.require_admin()?;
    let stored = store::load(&state.db, user.tenant_id()).await?;
    let settings = normalise(&body, &stored)?;
    if settings != stored {
        store::save(
            &state.db,
            user.tenant_id(),
            &stored,
            &settings,
            user.actor(),
        )
        .await?;
    }
    page(&state, user.tenant_id(), settings).await
}

async fn page(
    state: &AppState,
    tenant_id: &str,
    settings: ProactiveSettingsView,
) -> Result<AppJson<ProactivePage>> {
    let counts = store::counts(&state.db, tenant_id, COUNT_DAYS, now_ms()).await?;
    Ok(AppJson(ProactivePage {
        settings,
        counts,
        days: COUNT_DAYS,
    }))
}
