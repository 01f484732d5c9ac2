//! `/api/dashboard/settings/assistants`: the workspace's assistants, their knowledge, a file
//! import and a "try it" box. Every signed-in teammate may read; admins and owners change. The
//! JSON shapes are in [`shared::assistant_settings`].

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use shared::assistant_settings::{
    AssistantDetail, AssistantInput, AssistantSummary, ImportResult, KnowledgeEntryView,
    KnowledgeInput, TryReply, TryRequest, UsedEntry,
};
use shared::text::MAX_MESSAGE_CHARS;
use shared::{MessageText, MessageTextError};
use tracing::instrument;

use super::DashboardUser;
use crate::ai::ReplyRequest;
use crate::assistants::import::{self, Format};
use crate::assistants::{self, knowledge, AssistantError};
use crate::error::{ApiError, AppJson, AppQuery, Result};
use crate::state::AppState;

/// A knowledge file may be larger than a JSON body: up to 1,000 entries of up to 5,000
/// characters of answer.
pub const IMPORT_MAX_BYTES: usize = 2 * 1024 * 1024;

impl From<AssistantError> for ApiError {
    fn from(error: AssistantError) -> Self {
        match error {
            AssistantError::NotFound => {
                ApiError::not_found("assistant_not_found", "No such assistant or entry.")
            }
            AssistantError::DefaultRequired => ApiError::conflict(
                "default_assistant_required",
                "This is the workspace's default assistant: make another assistant the default \
                 first.",
            ),
            AssistantError::InUse => ApiError::conflict(
                "assistant_in_use",
                "A conversation started with this assistant meanwhile. Please try again.",
            ),
            AssistantError::Database(e) => ApiError::Database(e),
        }
    }
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn list(
    State(state): State<AppState>,
    user: DashboardUser,
) -> Result<AppJson<Vec<AssistantSummary>>> {
    Ok(AppJson(
        assistants::summaries(&state.db, user.tenant_id()).await?,
    ))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn detail(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<AssistantDetail>> {
    assistants::detail(&state.db, user.tenant_id(), &id)
        .await?
        .map(AppJson)
        .ok_or_else(|| AssistantError::NotFound.into())
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn create(
    State(state): State<AppState>,
    user: DashboardUser,
    AppJson(input): AppJson<AssistantInput>,
) -> Result<(StatusCode, AppJson<AssistantDetail>)> {
    user.require_admin()?;
    let settings = input.parse().map_err(ApiError::from)?;
    let created = assistants::insert(&state.db, user.tenant_id(), &settings, user.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn update(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(input): AppJson<AssistantInput>,
) -> Result<AppJson<AssistantDetail>> {
    user.require_admin()?;
    let settings = input.parse().map_err(ApiError::from)?;
    let updated =
        assistants::update(&state.db, user.tenant_id(), &id, &settings, user.actor()).await?;
    Ok(AppJson(updated))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn delete(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    user.require_admin()?;
    assistants::delete(&state.db, user.tenant_id(), &id, user.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn make_default(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
) -> Result<AppJson<AssistantDetail>> {
    user.require_admin()?;
    let detail = assistants::set_default(&state.db, user.tenant_id(), &id, user.actor()).await?;
    Ok(AppJson(detail))
}

#[derive(Debug, Deserialize)]
pub struct KnowledgeQuery {
    q: Option<String>,
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn knowledge_list(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppQuery(query): AppQuery<KnowledgeQuery>,
) -> Result<AppJson<Vec<KnowledgeEntryView>>> {
    let entries = knowledge::list(&state.db, user.tenant_id(), &id, query.q.as_deref()).await?;
    Ok(AppJson(entries))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn knowledge_create(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(input): AppJson<KnowledgeInput>,
) -> Result<(StatusCode, AppJson<KnowledgeEntryView>)> {
    user.require_admin()?;
    let fields = input.parse().map_err(ApiError::from)?;
    let entry = knowledge::insert(&state.db, user.tenant_id(), &id, &fields, user.actor()).await?;
    Ok((StatusCode::CREATED, AppJson(entry)))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn knowledge_update(
    State(state): State<AppState>,
    user: DashboardUser,
    Path((id, entry_id)): Path<(String, String)>,
    AppJson(input): AppJson<KnowledgeInput>,
) -> Result<AppJson<KnowledgeEntryView>> {
    user.require_admin()?;
    let fields = input.parse().map_err(ApiError::from)?;
    let entry = knowledge::update(
        &state.db,
        user.tenant_id(),
        &id,
        &entry_id,
        &fields,
        user.actor(),
    )
    .await?;
    Ok(AppJson(entry))
}

#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn knowledge_delete(
    State(state): State<AppState>,
    user: DashboardUser,
    Path((id, entry_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    user.require_admin()?;
    knowledge::delete(&state.db, user.tenant_id(), &id, &entry_id, user.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The file is the body: `text/csv` or `text/markdown`. All entries or none.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn knowledge_import(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<AppJson<ImportResult>> {
    user.require_admin()?;
    let body = body.map_err(|rejection| ApiError::Client {
        status: rejection.status(),
        code: if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "invalid_body"
        },
        message: format!(
            "The file could not be read: at most {} MB are taken at once.",
            IMPORT_MAX_BYTES / (1024 * 1024)
        ),
        field: Some("file".into()),
        retry_after_secs: None,
    })?;
    let format = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Format::from_content_type)
        .ok_or_else(|| ApiError::Client {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: "Send the file as `text/csv` (a header row with question or title, answer \
                      and keywords) or `text/markdown` (one entry per `## ` heading)."
                .to_owned(),
            field: Some("file".into()),
            retry_after_secs: None,
        })?;
    let entries = import::parse(format, &body)
        .map_err(|e| ApiError::invalid_field("file", "invalid_file", capitalize(&e.0)))?;
    let imported =
        knowledge::import(&state.db, user.tenant_id(), &id, &entries, user.actor()).await?;
    tracing::info!(imported, "knowledge imported");
    Ok(AppJson(ImportResult { imported }))
}

/// "row 7: the answer is empty" → "Row 7: the answer is empty."
fn capitalize(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// How the assistant would answer `question` now, with the entries it used. Writes nothing:
/// no conversation, no message, no usage.
#[instrument(skip_all, fields(tenant = %user.tenant_id()))]
pub async fn try_question(
    State(state): State<AppState>,
    user: DashboardUser,
    Path(id): Path<String>,
    AppJson(input): AppJson<TryRequest>,
) -> Result<AppJson<TryReply>> {
    user.require_admin()?;
    let question = MessageText::parse(&input.question).map_err(|e| {
        let message = match e {
            MessageTextError::Empty => "Type a question to try.".to_owned(),
            MessageTextError::TooLong { chars } => format!(
                "The question is {chars} characters long; the limit is {MAX_MESSAGE_CHARS}."
            ),
            MessageTextError::ControlCharacter => {
                "The question contains an invisible control character.".to_owned()
            }
        };
        ApiError::invalid_field("question", "invalid_question", message)
    })?;
    let loaded = assistants::load(&state.db, user.tenant_id(), &id)
        .await?
        .ok_or(AssistantError::NotFound)?;
    let outcome = state
        .responder
        .reply(&ReplyRequest {
            assistant: &loaded.assistant,
            knowledge: &loaded.knowledge,
            history: &[],
            message: question.as_str(),
            visitor_name: None,
        })
        .await;
    let used_entries = outcome
        .reply
        .used_entries
        .iter()
        .filter_map(|used| loaded.knowledge.iter().find(|e| &e.id == used))
        .map(|e| UsedEntry {
            id: e.id.clone(),
            question: e.question.clone(),
        })
        .collect();
    let embedded =
        outcome.provider_error.is_some() || state.responder.provider_name() == "embedded";
    Ok(AppJson(TryReply {
        reply: outcome.reply.text,
        used_entries,
        provider: if embedded { "embedded" } else { "openai" }.to_owned(),
        model: (!embedded).then_some(outcome.reply.model),
    }))
}
