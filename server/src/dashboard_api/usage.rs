//! The usage page's data (owners and admins): `GET /api/dashboard/usage` is the current billing
//! cycle's [`shared::usage::UsageReport`]; `GET /api/dashboard/usage.csv` its conversations per
//! day and channel.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use shared::usage::UsageReport;
use tracing::instrument;

use super::DashboardUser;
use crate::db::now_ms;
use crate::error::{AppJson, Result};
use crate::state::AppState;
use crate::usage;

async fn current(state: &AppState, user: &DashboardUser) -> Result<UsageReport> {
    user.require_admin()?;
    let billing = usage::billing(&state.db, &state.config, user.tenant_id()).await?;
    Ok(usage::report(&state.db, user.tenant_id(), &billing, now_ms()).await?)
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn report(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<UsageReport>> {
    Ok(AppJson(current(&state, &user).await?))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn csv(State(state): State<AppState>, user: DashboardUser) -> Result<Response> {
    let report = current(&state, &user).await?;
    let name = format!(
        "attachment; filename=\"usage-{}-to-{}.csv\"",
        report.cycle_start, report.cycle_end
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        usage::days_csv(&report),
    )
        .into_response())
}
