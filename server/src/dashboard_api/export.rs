//! `GET /api/dashboard/export.csv`: the filtered conversations (or their messages) as CSV,
//! streamed. A task reads keyset batches and feeds a bounded channel into the body, so a slow
//! download holds back the reading and memory stays flat. A database failure mid-way ends the
//! body with an error (the client sees a truncated download) and is logged here.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::SinkExt;
use serde::Deserialize;
use shared::dashboard::ConversationQuery;
use tracing::{instrument, Instrument};

use super::DashboardUser;
use crate::csv_out::yyyymmdd_utc;
use crate::db::now_ms;
use crate::error::{ApiError, AppQuery, Result};
use crate::export::{self, ExportError, ExportRows};
use crate::search::Filter;
use crate::state::AppState;

/// Chunks (one batch of rows each) waiting for the client at most.
const CHANNEL_CHUNKS: usize = 4;

/// The export's own parameter beside the list's filters.
#[derive(Debug, Deserialize)]
pub struct ExportParams {
    rows: Option<String>,
}

type Chunk = std::result::Result<Bytes, std::io::Error>;

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn csv(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<ConversationQuery>,
    AppQuery(params): AppQuery<ExportParams>,
) -> Result<Response> {
    let rows = match params.rows.as_deref() {
        None | Some("") => ExportRows::Conversations,
        Some(s) => ExportRows::parse(s).ok_or_else(|| {
            ApiError::invalid_field(
                "rows",
                "invalid_query",
                "`rows` must be `conversations` or `messages`.",
            )
        })?,
    };
    let filter = Filter::parse(&query)?;
    let (sender, receiver) = mpsc::channel::<Chunk>(CHANNEL_CHUNKS);
    let db = state.db.clone();
    let tenant_id = user.tenant_id().to_owned();
    tokio::spawn(
        async move {
            let mut data = sender.clone();
            let outcome = export::write_csv(&db, &tenant_id, &filter, rows, |chunk| {
                let mut data = data.clone();
                async move { data.send(Ok(Bytes::from(chunk))).await.is_ok() }
            })
            .await;
            match outcome {
                Ok(()) | Err(ExportError::Closed) => {}
                Err(error) => {
                    tracing::error!(error = %error, "CSV export failed mid-stream");
                    let _ = data
                        .send(Err(std::io::Error::other("the export failed")))
                        .await;
                }
            }
        }
        .in_current_span(),
    );
    let filename = format!("{}-{}.csv", rows.file_stem(), yyyymmdd_utc(now_ms()));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(receiver),
    )
        .into_response())
}
