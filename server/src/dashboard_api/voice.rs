//! Voice in the dashboard: the numbers whose call records a workspace receives (settings,
//! admins, with "send a test") and the seed's voice analytics (everyone signed in).
//!
//! - `GET /api/dashboard/voice/analytics/overview?start_date&end_date` → `VoiceOverview`.
//! - `GET /api/dashboard/voice/analytics/timeline?start_date&end_date&bucket=day|hour` →
//!   `VoiceTimeline`.
//!
//! Dates are ISO 8601 (`2026-12-01` or a full RFC 3339 time), UTC; `end_date` a day is up to
//! and including that day. Default: the last 30 days. A period is at most 366 days (by day) or
//! 31 days (by hour).

use std::str::FromStr;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Deserialize;
use shared::channels::{
    CallOutcome, CallRecord, Speaker, TranscriptLine, VoiceChannelCreated, VoiceChannelForm,
    VoiceChannelView, VoiceOverview, VoiceTest, VoiceTestResult, VoiceTimeline,
};
use tracing::instrument;

use super::{public_base, DashboardUser};
use crate::channels::voice::{analytics, store};
use crate::channels::webhook;
use crate::db::now_ms;
use crate::error::{ApiError, AppJson, AppQuery, Result};
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

#[derive(Debug, Deserialize)]
pub struct Period {
    start_date: Option<String>,
    end_date: Option<String>,
    bucket: Option<String>,
}

/// A date (its midnight, or the next one for an inclusive end) or a time, in Unix ms.
fn instant(field: &'static str, text: &str, end: bool) -> Result<i64> {
    if let Ok(date) = Date::from_str(text.trim()) {
        let day = date
            .at(0, 0, 0, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| ApiError::invalid_field(field, "invalid_date", e.to_string()))?;
        return Ok(if end { day + DAY_MS } else { day });
    }
    Timestamp::from_str(text.trim())
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            ApiError::invalid_field(
                field,
                "invalid_date",
                format!("{field} is a date (2026-12-01) or an RFC 3339 time."),
            )
        })
}

/// The period asked for, aligned down to `bucket_ms` in UTC.
fn period(query: &Period, bucket_ms: i64, max_ms: i64) -> Result<(i64, i64)> {
    let to = match &query.end_date {
        Some(text) => instant("end_date", text, true)?,
        None => now_ms(),
    };
    let from = match &query.start_date {
        Some(text) => instant("start_date", text, false)?,
        None => to - 30 * DAY_MS,
    };
    let from = from - from.rem_euclid(bucket_ms);
    if to <= from {
        return Err(ApiError::invalid_field(
            "end_date",
            "invalid_period",
            "end_date must come after start_date.",
        ));
    }
    if to - from > max_ms {
        return Err(ApiError::invalid_field(
            "start_date",
            "period_too_long",
            "The period is too long for this bucket (366 days by day, 31 days by hour).",
        ));
    }
    Ok((from, to))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn overview(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<Period>,
) -> Result<AppJson<VoiceOverview>> {
    let (from, to) = period(&query, 1, 366 * DAY_MS)?;
    let metrics = analytics::overview(&state.db, user.tenant_id(), from, to).await?;
    Ok(AppJson(VoiceOverview { metrics }))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn timeline(
    State(state): State<AppState>,
    user: DashboardUser,
    AppQuery(query): AppQuery<Period>,
) -> Result<AppJson<VoiceTimeline>> {
    let (bucket, bucket_ms, max_ms) = match query.bucket.as_deref().unwrap_or("day") {
        "day" => ("day", DAY_MS, 366 * DAY_MS),
        "hour" => ("hour", HOUR_MS, 31 * DAY_MS),
        _ => {
            return Err(ApiError::invalid_field(
                "bucket",
                "invalid_bucket",
                "bucket is day or hour.",
            ))
        }
    };
    let (from, to) = period(&query, bucket_ms, max_ms)?;
    let points = analytics::timeline(&state.db, user.tenant_id(), from, to, bucket_ms).await?;
    Ok(AppJson(VoiceTimeline {
        bucket: bucket.to_owned(),
        points,
    }))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
) -> Result<AppJson<Vec<VoiceChannelView>>> {
    user.require_admin()?;
    let base = public_base(&state, &headers);
    let channels = store::list(&state.db, user.tenant_id()).await?;
    Ok(AppJson(
        channels.iter().map(|c| store::view(c, &base)).collect(),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn connect(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    AppJson(form): AppJson<VoiceChannelForm>,
) -> Result<(StatusCode, AppJson<VoiceChannelCreated>)> {
    user.require_admin()?;
    let form = form.parse()?;
    let channel = store::connect(
        &state.db,
        user.tenant_id(),
        &form.phone_number,
        user.actor(),
    )
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "number_taken",
            "This number is connected already (here or in another workspace).",
        )
    })?;
    Ok((
        StatusCode::CREATED,
        AppJson(VoiceChannelCreated {
            channel: store::view(&channel, &public_base(&state, &headers)),
            webhook_secret: channel.webhook_secret,
        }),
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn disconnect(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    if store::disconnect(&state.db, user.tenant_id(), &id, user.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "channel_not_found",
            "No such voice number in this workspace.",
        ))
    }
}

/// "Send a test": posts a signed sample call record from `from` to the channel's own webhook
/// URL, as a provider's bridge would, and answers the conversation it opened; what went wrong on
/// the way (the public URL does not reach this server, the webhook refused it) as a 502 saying
/// so. The URL is this server's own (its public URL or the dashboard's origin), never one a
/// workspace chooses.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn test(
    State(state): State<AppState>,
    user: DashboardUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(test): AppJson<VoiceTest>,
) -> Result<AppJson<VoiceTestResult>> {
    user.require_admin()?;
    let from = test.from.trim();
    if !shared::channels::is_e164(from) {
        return Err(ApiError::invalid_field(
            "from",
            "invalid_phone",
            "Write the caller's number in E.164: + then country code and number, e.g. +14155550100.",
        ));
    }
    let channel = store::find(&state.db, user.tenant_id(), &id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "channel_not_found",
                "No such voice number in this workspace.",
            )
        })?;
    let now = Timestamp::now();
    let started = now - jiff::SignedDuration::from_secs(65);
    let record = CallRecord {
        call_id: format!("test-{}", hex::encode(rand::random::<[u8; 8]>())),
        from: from.to_owned(),
        to: channel.phone_number.clone(),
        started_at: started.to_string(),
        ended_at: now.to_string(),
        recording_url: None,
        transcript: vec![
            TranscriptLine {
                speaker: Speaker::Customer,
                text: "Hello, this is a test call from the settings page.".to_owned(),
            },
            TranscriptLine {
                speaker: Speaker::Assistant,
                text: "Thanks for testing: call records reach the inbox.".to_owned(),
            },
        ],
        summary: "A test call sent from the voice settings.".to_owned(),
        outcome: CallOutcome::Resolved,
    };
    let body = serde_json::to_vec(&record).map_err(anyhow::Error::from)?;
    let url = store::view(&channel, &public_base(&state, &headers)).webhook_url;
    let ts = now.as_second();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(anyhow::Error::from)?;
    let unreachable = |detail: String| {
        ApiError::client(
            StatusCode::BAD_GATEWAY,
            "webhook_unreachable",
            format!("The test call did not reach {url}: {detail}. Check LIVECHAT_PUBLIC_URL."),
        )
    };
    let response = http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-livechat-timestamp", ts.to_string())
        .header(
            "x-livechat-signature",
            webhook::sign(&channel.webhook_secret, ts, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let status = response.status();
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    let conversation_id = answer
        .get("conversationId")
        .and_then(|v| v.as_str())
        .filter(|_| status.is_success());
    match conversation_id {
        Some(id) => Ok(AppJson(VoiceTestResult {
            conversation_id: id.to_owned(),
        })),
        None => {
            let said = answer
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(|m| m.as_str())
                .unwrap_or("no answer this server gives");
            Err(ApiError::client(
                StatusCode::BAD_GATEWAY,
                "webhook_refused",
                format!("The webhook at {url} answered {status}: {said}"),
            ))
        }
    }
}
