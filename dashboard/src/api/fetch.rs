//! The requests themselves (browser only).

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use shared::api::ErrorBody;
use shared::dashboard::{
    AgentReply, AssistantBrief, ClientBrief, ClientProfile, ClientRecord, ConversationDetail,
    ConversationPage, ConversationQuery, ConversationSummary, LoginRequest, Me, MergeClients,
    TimelineMessage,
};
use web_sys::RequestCredentials;

use super::{parse_retry_after, Action, ApiError};
use crate::query::{encode_component, to_query_string};

const BASE: &str = "/api/dashboard";

pub async fn me() -> Result<Me, ApiError> {
    json(Request::get(&format!("{BASE}/me")), None).await
}

pub async fn login(request: &LoginRequest) -> Result<Me, ApiError> {
    json(
        Request::post(&format!("{BASE}/login")),
        Some(encode(request)),
    )
    .await
}

pub async fn logout() -> Result<(), ApiError> {
    send(Request::post(&format!("{BASE}/logout")), None)
        .await
        .map(drop)
}

pub async fn conversations(query: &ConversationQuery) -> Result<ConversationPage, ApiError> {
    let params = to_query_string(query);
    let url = if params.is_empty() {
        format!("{BASE}/conversations")
    } else {
        format!("{BASE}/conversations?{params}")
    };
    json(Request::get(&url), None).await
}

/// The whole conversation; the server marks it read for the user.
pub async fn conversation(id: &str) -> Result<ConversationDetail, ApiError> {
    let url = format!("{BASE}/conversations/{}", encode_component(id));
    json(Request::get(&url), None).await
}

pub async fn reply(id: &str, reply: &AgentReply) -> Result<TimelineMessage, ApiError> {
    let url = format!("{BASE}/conversations/{}/messages", encode_component(id));
    json(Request::post(&url), Some(encode(reply))).await
}

pub async fn act(id: &str, action: Action) -> Result<ConversationSummary, ApiError> {
    let url = format!(
        "{BASE}/conversations/{}/{}",
        encode_component(id),
        action.path()
    );
    json(Request::post(&url), None).await
}

fn client_path(id: &str) -> String {
    format!("{BASE}/clients/{}", encode_component(id))
}

/// A client's page: details, profile, mentions, possible duplicates, every conversation.
pub async fn client(id: &str) -> Result<ClientRecord, ApiError> {
    json(Request::get(&client_path(id)), None).await
}

/// Saves what agents write about a client (parsed with `ClientProfile::parse` first).
pub async fn save_client_profile(
    id: &str,
    profile: &ClientProfile,
) -> Result<ClientRecord, ApiError> {
    let url = format!("{}/profile", client_path(id));
    json(Request::put(&url), Some(encode(profile))).await
}

/// Moves client `other` into client `id`; answers the kept client's page.
pub async fn merge_clients(id: &str, other: &str) -> Result<ClientRecord, ApiError> {
    let url = format!("{}/merge", client_path(id));
    let body = MergeClients {
        other: other.to_owned(),
    };
    json(Request::post(&url), Some(encode(&body))).await
}

/// Puts a detail the customer mentioned on their client; answers the client as it now is.
pub async fn apply_mention(client_id: &str, mention_id: &str) -> Result<ClientBrief, ApiError> {
    let url = format!(
        "{}/mentions/{}/apply",
        client_path(client_id),
        encode_component(mention_id)
    );
    json(Request::post(&url), None).await
}

/// Tells the visitor a teammate is typing. Best effort: callers ignore failures.
pub async fn typing(id: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/conversations/{}/typing", encode_component(id));
    send(Request::post(&url), None).await.map(drop)
}

pub async fn assistants() -> Result<Vec<AssistantBrief>, ApiError> {
    json(Request::get(&format!("{BASE}/assistants")), None).await
}

/// `GET path` (a path from the site's root, e.g. `/api/dashboard/settings/widget`), read as JSON.
pub async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(Request::get(path), None).await
}

/// `POST path` with `body` as JSON, the answer read as JSON.
pub async fn post_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    json(Request::post(path), Some(encode(body))).await
}

/// `POST path` with `body` as JSON, answered without a body (204).
pub async fn post_json_no_content<B: serde::Serialize>(
    path: &str,
    body: &B,
) -> Result<(), ApiError> {
    send(Request::post(path), Some(encode(body)))
        .await
        .map(drop)
}

/// `PUT path` with `body` as JSON, the answer read as JSON.
pub async fn put_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    json(Request::put(path), Some(encode(body))).await
}

/// `PATCH path` with `body` as JSON, the answer read as JSON.
pub async fn patch_json<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    json(Request::patch(path), Some(encode(body))).await
}

/// `POST path` with no body; the answer's body is ignored.
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    send(Request::post(path), None).await.map(drop)
}

/// `DELETE path`; the answer's body is ignored.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    send(Request::delete(path), None).await.map(drop)
}

/// `POST path` with a raw body of `content_type` (a file upload), the answer read as JSON.
pub async fn post_raw<T: DeserializeOwned>(
    path: &str,
    content_type: &str,
    body: String,
) -> Result<T, ApiError> {
    let text = send_with(Request::post(path), Some((body, content_type))).await?;
    serde_json::from_str(&text).map_err(|_| ApiError::Unexpected)
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

async fn json<T: DeserializeOwned>(
    request: RequestBuilder,
    body: Option<String>,
) -> Result<T, ApiError> {
    let text = send(request, body).await?;
    serde_json::from_str(&text).map_err(|_| ApiError::Unexpected)
}

/// Sends one request and answers the body of a 2xx. Not generic, so the fetch code is in the
/// binary once.
async fn send(request: RequestBuilder, body: Option<String>) -> Result<String, ApiError> {
    send_with(request, body.map(|b| (b, "application/json"))).await
}

/// [`send`] with a body of any content type.
#[inline(never)]
async fn send_with(
    request: RequestBuilder,
    body: Option<(String, &str)>,
) -> Result<String, ApiError> {
    let request = request
        .credentials(RequestCredentials::SameOrigin)
        .header("Accept", "application/json");
    let request = match body {
        Some((body, content_type)) => request.header("Content-Type", content_type).body(body),
        None => request.build(),
    }
    .map_err(|_| ApiError::Network)?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let retry_after = response
        .headers()
        .get("Retry-After")
        .and_then(|v| parse_retry_after(&v));
    let detail = serde_json::from_str::<ErrorBody>(&text)
        .ok()
        .map(|b| b.error);
    Err(ApiError::Status {
        status,
        retry_after,
        detail,
    })
}
