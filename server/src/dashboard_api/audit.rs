//! `GET /api/dashboard/audit?before=&limit=`: the workspace's audit log, newest first, for
//! admins and owners.

use axum::extract::State;
use serde::Deserialize;
use shared::dashboard::AuditPage;

use super::DashboardUser;
use crate::audit;
use crate::error::{ApiError, AppJson, AppQuery, Result};
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<AppJson<AuditPage>> {
    user.require_admin()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            "invalid_limit",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        ));
    }
    let entries = audit::list(&state.db, user.tenant_id(), query.before, limit + 1).await?;
    let more = i64::try_from(entries.len()).unwrap_or(i64::MAX) > limit;
    let mut entries = entries;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = more.then(|| entries.last().map(|e| e.seq)).flatten();
    Ok(AppJson(AuditPage {
        entries,
        next_before,
    }))
}
