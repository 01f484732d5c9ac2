//! `GET /api/dashboard/export.csv`: the filtered conversations (or their messages) as CSV.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::dashboard::ConversationQuery;

use super::DashboardUser;
use crate::error::Result;
use crate::state::AppState;

pub async fn csv(
    State(_state): State<AppState>,
    _user: DashboardUser,
    Query(_query): Query<ConversationQuery>,
) -> Result<Response> {
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        "id\n",
    )
        .into_response())
}
