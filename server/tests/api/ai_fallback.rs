//! The OpenAI-compatible provider through the whole HTTP path, against a stub that speaks the
//! chat-completions wire format.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{spawn_app_with, Backend, TestApp};

/// An app whose AI provider is `stub` (an OpenAI-compatible server).
pub(crate) async fn app_with_provider(backend: Backend, stub: &MockServer) -> Option<TestApp> {
    app_with_provider_at(backend, &stub.uri()).await
}

/// An app whose AI provider is the OpenAI-compatible server at `uri` (its API under `/v1`).
pub(crate) async fn app_with_provider_at(backend: Backend, uri: &str) -> Option<TestApp> {
    let base = format!("{uri}/v1");
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

/// A stub answer saying `text` the way the request asks for it, as OpenAI's API does: a whole
/// completion, or (`"stream": true`) server-sent chunks of a few words, a last chunk with the
/// finish reason, one with the usage, then `[DONE]`.
pub(crate) struct Says {
    text: String,
    delay: Duration,
}

pub(crate) fn says(text: &str) -> Says {
    Says {
        text: text.to_owned(),
        delay: Duration::ZERO,
    }
}

impl Says {
    /// Answers only after `delay`.
    pub(crate) fn after(self, delay: Duration) -> Self {
        Self { delay, ..self }
    }
}

impl wiremock::Respond for Says {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let streamed = serde_json::from_slice::<serde_json::Value>(&request.body)
            .is_ok_and(|body| body["stream"] == true);
        let answer = if streamed {
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(sse_body(&chunks(&self.text), true))
        } else {
            ResponseTemplate::new(200).set_body_json(completion(&self.text))
        };
        answer.set_delay(self.delay)
    }
}

/// `text` in pieces of about three words, as a model streams it.
pub(crate) fn chunks(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for (n, word) in text.split_inclusive(' ').enumerate() {
        piece.push_str(word);
        if n % 3 == 2 {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}

/// One streamed chunk's SSE block carrying `delta` (and `finish`, when it is the last).
pub(crate) fn sse_chunk(delta: &str, finish: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": "stub-model",
        "choices": [{ "index": 0, "delta": { "content": delta }, "finish_reason": finish }]
    });
    format!("data: {chunk}\n\n")
}

/// A streamed reply of `pieces`; `finished`: with the finish reason, usage and `[DONE]`, else
/// it just stops (a server that died midway).
pub(crate) fn sse_body(pieces: &[String], finished: bool) -> String {
    let mut body: String = pieces.iter().map(|p| sse_chunk(p, None)).collect();
    if finished {
        body.push_str(&sse_chunk("", Some("stop")));
        let usage = json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "stub-model", "choices": [],
            "usage": { "prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52 }
        });
        body.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    }
    body
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
        .respond_with(says("We roast on Mondays."))
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
    failure: impl wiremock::Respond + 'static,
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

fn too_slow() -> Says {
    says("too late").after(Duration::from_secs(3))
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
