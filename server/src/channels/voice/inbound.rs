//! `POST /webhooks/voice`: a finished call's record, checked (signature, times, sizes) before
//! anything is stored, then stored in one transaction: the call, its conversation (of the
//! caller's client, found by number) and its messages: a system line saying the call (numbers,
//! duration, outcome, recording, summary) and the transcript, one message per line, at the
//! call's own time so the client's timeline places it where it happened.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use jiff::Timestamp;
use serde_json::json;
use shared::api::{Author, Channel};
use shared::channels::{CallOutcome, CallRecord, Speaker};
use shared::dashboard::DashboardEvent;

use super::store::{self, VoiceChannel};
use crate::channels::sms::inbound::sender_number;
use crate::channels::webhook;
use crate::clients;
use crate::conversations::{message_added, Added};
use crate::db::{new_id, new_message_id, now_ms};
use crate::error::{ApiError, AppJson, Result};
use crate::inbox;
use crate::state::AppState;
use crate::tenants;

const MAX_LINES: usize = 1000;
const MAX_TEXT_CHARS: usize = 10_000;
const MAX_CALL_SECS: i64 = 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/voice", post(webhook))
}

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_field(field, "invalid_call", message)
}

/// The record's times in Unix milliseconds, and its sizes, checked.
fn check(record: &CallRecord) -> Result<(i64, i64)> {
    let id = record.call_id.trim();
    if id.is_empty() || id.len() > 200 {
        return Err(invalid("callId", "The call id is 1 to 200 characters."));
    }
    let time = |field: &'static str, text: &str| {
        Timestamp::from_str(text.trim())
            .map(|t| t.as_millisecond())
            .map_err(|_| invalid(field, format!("{field} is not an RFC 3339 time.")))
    };
    let started = time("startedAt", &record.started_at)?;
    let ended = time("endedAt", &record.ended_at)?;
    if ended < started || ended - started > MAX_CALL_SECS * 1000 {
        return Err(invalid(
            "endedAt",
            "endedAt must be after startedAt, within a day.",
        ));
    }
    if let Some(url) = &record.recording_url {
        let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2000;
        if !ok {
            return Err(invalid(
                "recordingUrl",
                "The recording URL is an http(s) URL.",
            ));
        }
    }
    if record.transcript.len() > MAX_LINES {
        return Err(invalid(
            "transcript",
            format!("At most {MAX_LINES} transcript lines."),
        ));
    }
    let long = |s: &str| s.chars().count() > MAX_TEXT_CHARS;
    if record.transcript.iter().any(|l| long(&l.text)) || long(&record.summary) {
        return Err(invalid(
            "transcript",
            format!("A transcript line or the summary is longer than {MAX_TEXT_CHARS} characters."),
        ));
    }
    Ok((started, ended))
}

async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, AppJson<serde_json::Value>)> {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        return Err(ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Post the call record as application/json.",
        ));
    }
    let record: CallRecord = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("The call record does not read: {e}."),
        )
    })?;
    let (started, ended) = check(&record)?;
    let channel = store::find_by_number(&state.db, record.to.trim())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "unknown_number",
                "No workspace receives calls for this number: nothing was stored.",
            )
        })?;
    webhook::check(&headers, &body, &channel.webhook_secret)?;
    let (conversation_id, created) = store_call(&state, &channel, &record, started, ended).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        AppJson(json!({ "callId": record.call_id.trim(), "conversationId": conversation_id })),
    ))
}

/// "3 min 12 s".
fn duration_text(secs: i64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// The system line that opens the call in the timeline.
fn call_line(record: &CallRecord, from: &str, duration_secs: i64) -> String {
    let mut line = format!(
        "Call from {from} to {}, {}, {}.",
        record.to.trim(),
        duration_text(duration_secs),
        record.outcome.label()
    );
    if let Some(url) = &record.recording_url {
        line.push_str(&format!("\nRecording: {url}"));
    }
    if !record.summary.trim().is_empty() {
        line.push_str(&format!("\nSummary: {}", record.summary.trim()));
    }
    line
}

/// Stores the call once: `(conversation id, whether this call stored it)`.
async fn store_call(
    state: &AppState,
    channel: &VoiceChannel,
    record: &CallRecord,
    started: i64,
    ended: i64,
) -> Result<(String, bool)> {
    let db = &state.db;
    let tenant_id = channel.tenant_id.as_str();
    let call_id = record.call_id.trim();
    let known: Option<String> = sqlx::query_scalar(
        "SELECT conversation_id FROM calls WHERE tenant_id = $1 AND external_id = $2",
    )
    .bind(tenant_id)
    .bind(call_id)
    .fetch_optional(&db.pool)
    .await?;
    if let Some(id) = known {
        return Ok((id, false));
    }
    let tenant = tenants::find_tenant(db, tenant_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let from = sender_number(&record.from, &tenant.default_region);
    let client_id = clients::find_or_create_by_phone(db, tenant_id, &from).await?;
    let assistant = crate::ai::pipeline::default_assistant(state, tenant_id).await?;
    let duration_secs = (ended - started) / 1000;
    let status = match record.outcome {
        CallOutcome::Transferred => "waiting_human",
        CallOutcome::Resolved | CallOutcome::Abandoned => "resolved",
    };
    let conversation_id = new_id("cv");
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO conversations
           (id, tenant_id, client_id, client_verified, assistant_id, channel, status,
            contact_address, channel_ref, created_at, updated_at, last_message_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $9, $9)",
    )
    .bind(&conversation_id)
    .bind(tenant_id)
    .bind(&client_id)
    .bind(&assistant.assistant.id)
    .bind(Channel::Voice.as_str())
    .bind(status)
    .bind(&from)
    .bind(&channel.id)
    .bind(started)
    .execute(&mut *tx)
    .await?;
    let added_call = sqlx::query(
        "INSERT INTO calls
           (id, tenant_id, conversation_id, client_id, external_id, caller, called, started_at,
            ended_at, duration_secs, recording_url, summary, outcome, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id("call"))
    .bind(tenant_id)
    .bind(&conversation_id)
    .bind(&client_id)
    .bind(call_id)
    .bind(&from)
    .bind(record.to.trim())
    .bind(started)
    .bind(ended)
    .bind(duration_secs)
    .bind(record.recording_url.as_deref())
    .bind(record.summary.trim())
    .bind(record.outcome.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added_call == 0 {
        // A racing post of the same call stored it first.
        tx.rollback().await?;
        let id: String = sqlx::query_scalar(
            "SELECT conversation_id FROM calls WHERE tenant_id = $1 AND external_id = $2",
        )
        .bind(tenant_id)
        .bind(call_id)
        .fetch_one(&db.pool)
        .await?;
        return Ok((id, false));
    }
    let summary = inbox::event_summary(&mut tx, tenant_id, &conversation_id).await?;
    tx.record_event(
        tenant_id,
        None,
        &DashboardEvent::ConversationCreated {
            conversation: summary,
        },
    )
    .await?;
    let mut lines: Vec<(Author, String)> =
        vec![(Author::System, call_line(record, &from, duration_secs))];
    lines.extend(
        record
            .transcript
            .iter()
            .filter(|l| !l.text.trim().is_empty())
            .map(|l| {
                let author = match l.speaker {
                    Speaker::Customer => Author::Visitor,
                    Speaker::Assistant => Author::Assistant,
                    Speaker::Agent => Author::Agent,
                };
                (author, l.text.trim().to_owned())
            }),
    );
    for (i, (author, text)) in lines.iter().enumerate() {
        let id = new_message_id();
        let at = started + i64::try_from(i).unwrap_or(0);
        let external = format!("{call_id}#{i}");
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO messages
               (id, tenant_id, conversation_id, author, channel, body, external_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(&conversation_id)
        .bind(author.as_str())
        .bind(Channel::Voice.as_str())
        .bind(text)
        .bind(&external)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let added = Added {
            tenant_id,
            conversation_id: &conversation_id,
            session_id: None,
            message_id: &id,
            seq,
            author: *author,
            author_name: None,
            channel: Channel::Voice,
            body: text,
            client_message_id: None,
            at,
            decision: None,
            queued: false,
            intent: None,
        };
        message_added(&mut tx, &added).await?;
    }
    tx.commit().await?;
    Ok((conversation_id, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_reads_in_minutes_and_seconds() {
        assert_eq!(duration_text(0), "0 s");
        assert_eq!(duration_text(59), "59 s");
        assert_eq!(duration_text(120), "2 min");
        assert_eq!(duration_text(192), "3 min 12 s");
    }
}
