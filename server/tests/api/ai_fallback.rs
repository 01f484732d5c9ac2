//! The OpenAI-compatible provider through the whole HTTP path, against a stub that speaks the
//! chat-completions wire format.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{spawn_app_with, Backend, TestApp};

/// An app whose AI provider is `stub` (an OpenAI-compatible server).
pub(crate) async fn app_with_provider(backend: Backend, stub: &MockServer) -> Option<TestApp> {
    let base = format!("{}/v1", stub.uri());
    spawn_app_with(
        backend,
        &[
            ("LIVECHAT_AI_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &base),
            ("OPENAI_API_KEY", "sk-test-not-a-secret"),
            ("OPENAI_MODEL", "stub-model"),
            ("LIVECHAT_AI_TIMEOUT_SECS", "0.5"),
        ],
    )
    .await
}

/// A chat-completions answer saying `text`.
pub(crate) fn completion(text: &str) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "stub-model",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": text } }],
        "usage": { "prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52 }
    })
}

async fn the_provider_answers_with_model_and_tokens(backend: Backend) {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion("We roast on Mondays.")))
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app.chat(&session, "When do you roast?", "m-1").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["message"]["body"], "We roast on Mondays.");
    assert_eq!(answer.body["metadata"]["model"], "stub-model");
    assert_eq!(answer.body["metadata"]["tokens"], 52);
    assert_eq!(answer.body["metadata"]["fallback"], false);
    // The reply's request (the intent classification's carries a `response_format`).
    let requests = stub.received_requests().await.unwrap_or_default();
    let sent = requests
        .iter()
        .find(|r| !String::from_utf8_lossy(&r.body).contains("\"response_format\""))
        .expect("a reply request");
    let request: serde_json::Value = serde_json::from_slice(&sent.body).expect("json");
    let last = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned();
    assert_eq!(
        last.map(|m| m["content"].clone()),
        Some(json!("When do you roast?"))
    );
}

async fn a_failing_provider_still_answers_keeps_the_message_and_flags_the_conversation(
    backend: Backend,
    failure: ResponseTemplate,
) {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(failure)
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app.chat(&session, "Do you ship to Canada?", "m-1").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["metadata"]["fallback"], true);
    assert_eq!(answer.body["metadata"]["model"], "embedded");
    assert!(answer.body["message"]["body"]
        .as_str()
        .unwrap_or("")
        .contains("Canada"));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM conversations WHERE flagged = 1 AND flag_reason IS NOT NULL"
        )
        .await,
        1
    );
}

fn http_500() -> ResponseTemplate {
    ResponseTemplate::new(500)
        .set_body_json(json!({"error": {"message": "boom", "type": "server_error"}}))
}

fn too_slow() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(completion("too late"))
        .set_delay(Duration::from_secs(3))
}

#[tokio::test]
async fn provider_reply_sqlite() {
    the_provider_answers_with_model_and_tokens(Backend::Sqlite).await;
}

#[tokio::test]
async fn provider_reply_postgres() {
    the_provider_answers_with_model_and_tokens(Backend::Postgres).await;
}

#[tokio::test]
async fn provider_500_falls_back_sqlite() {
    a_failing_provider_still_answers_keeps_the_message_and_flags_the_conversation(
        Backend::Sqlite,
        http_500(),
    )
    .await;
}

#[tokio::test]
async fn provider_500_falls_back_postgres() {
    a_failing_provider_still_answers_keeps_the_message_and_flags_the_conversation(
        Backend::Postgres,
        http_500(),
    )
    .await;
}

#[tokio::test]
async fn provider_timeout_falls_back_sqlite() {
    a_failing_provider_still_answers_keeps_the_message_and_flags_the_conversation(
        Backend::Sqlite,
        too_slow(),
    )
    .await;
}

#[tokio::test]
async fn provider_timeout_falls_back_postgres() {
    a_failing_provider_still_answers_keeps_the_message_and_flags_the_conversation(
        Backend::Postgres,
        too_slow(),
    )
    .await;
}
