//! Typed requests of the assistants settings (`/api/dashboard/settings/assistants`), over the
//! generic fetch helpers. Shapes in `shared::assistant_settings`.

use shared::assistant_settings::{
    AssistantDetail, AssistantInput, AssistantSummary, ImportResult, KnowledgeEntryView,
    KnowledgeInput, TryReply, TryRequest,
};

use super::{delete, get_json, post_json, post_raw, put_json, ApiError};
use crate::query::encode_component;

const BASE: &str = "/api/dashboard/settings/assistants";

fn one(id: &str) -> String {
    format!("{BASE}/{}", encode_component(id))
}

fn entries(id: &str) -> String {
    format!("{}/knowledge", one(id))
}

pub async fn list() -> Result<Vec<AssistantSummary>, ApiError> {
    get_json(BASE).await
}

pub async fn detail(id: &str) -> Result<AssistantDetail, ApiError> {
    get_json(&one(id)).await
}

pub async fn create(input: &AssistantInput) -> Result<AssistantDetail, ApiError> {
    post_json(BASE, input).await
}

pub async fn update(id: &str, input: &AssistantInput) -> Result<AssistantDetail, ApiError> {
    put_json(&one(id), input).await
}

pub async fn remove(id: &str) -> Result<(), ApiError> {
    delete(&one(id)).await
}

pub async fn make_default(id: &str) -> Result<AssistantDetail, ApiError> {
    post_json(&format!("{}/default", one(id)), &serde_json::json!({})).await
}

/// The entries, or those matching `query` when it is not empty.
pub async fn knowledge(id: &str, query: &str) -> Result<Vec<KnowledgeEntryView>, ApiError> {
    let query = query.trim();
    if query.is_empty() {
        get_json(&entries(id)).await
    } else {
        get_json(&format!("{}?q={}", entries(id), encode_component(query))).await
    }
}

pub async fn add_entry(id: &str, input: &KnowledgeInput) -> Result<KnowledgeEntryView, ApiError> {
    post_json(&entries(id), input).await
}

pub async fn update_entry(
    id: &str,
    entry_id: &str,
    input: &KnowledgeInput,
) -> Result<KnowledgeEntryView, ApiError> {
    put_json(
        &format!("{}/{}", entries(id), encode_component(entry_id)),
        input,
    )
    .await
}

pub async fn remove_entry(id: &str, entry_id: &str) -> Result<(), ApiError> {
    delete(&format!("{}/{}", entries(id), encode_component(entry_id))).await
}

/// Sends a file's text; `content_type` is `text/csv` or `text/markdown`.
pub async fn import(id: &str, content_type: &str, file: String) -> Result<ImportResult, ApiError> {
    post_raw(&format!("{}/import", entries(id)), content_type, file).await
}

pub async fn try_question(id: &str, question: &str) -> Result<TryReply, ApiError> {
    let request = TryRequest {
        question: question.to_owned(),
    };
    post_json(&format!("{}/try", one(id)), &request).await
}

/// The content type of a knowledge file, by its name: `.md`/`.markdown` are Markdown, anything
/// else is sent as CSV (browsers label CSV files inconsistently).
pub fn import_content_type(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        "text/markdown"
    } else {
        "text/csv"
    }
}
