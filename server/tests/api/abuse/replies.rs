//! One provider call per visitor message: concurrent copies share it, and it finishes when
//! its requester leaves.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use super::on_both;
use crate::ai_fallback::says;
use crate::helpers::{spawn_app_with, Backend, TestApp};

on_both!(
    ten_copies_of_one_message_make_one_provider_call_and_get_one_answer,
    a_reply_is_still_stored_when_its_requester_disconnects,
);

/// An OpenAI-compatible stub that answers after `delay`, and an app using it.
async fn app_with_slow_provider(
    backend: Backend,
    delay: Duration,
) -> Option<(TestApp, MockServer)> {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(says("We roast on Mondays.").after(delay))
        .mount(&stub)
        .await;
    let base = format!("{}/v1", stub.uri());
    let settings = [
        ("LIVECHAT_AI_PROVIDER", "openai"),
        ("OPENAI_BASE_URL", base.as_str()),
        ("OPENAI_API_KEY", "sk-test-not-a-secret"),
        ("OPENAI_MODEL", "stub-model"),
        ("LIVECHAT_MESSAGE_BURST", "20"),
    ];
    let app = spawn_app_with(backend, &settings).await?;
    Some((app, stub))
}

/// Reply calls the provider got (the intent classification's structured-output calls, which
/// carry a `response_format`, are not replies).
async fn provider_calls(stub: &MockServer) -> usize {
    stub.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| !String::from_utf8_lossy(&r.body).contains("\"response_format\""))
        .count()
}

async fn ten_copies_of_one_message_make_one_provider_call_and_get_one_answer(backend: Backend) {
    let Some((app, stub)) = app_with_slow_provider(backend, Duration::from_millis(400)).await
    else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let copies = (0..10).map(|_| app.chat(&session, "When do you roast?", "m-1"));
    let answers = futures::future::join_all(copies).await;
    assert_eq!(provider_calls(&stub).await, 1);
    for answer in &answers {
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body, answers[0].body);
    }
    assert_eq!(answers[0].body["message"]["body"], "We roast on Mondays.");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    // A later retry is answered from the store.
    let retry = app.chat(&session, "When do you roast?", "m-1").await;
    assert_eq!(retry.body["message"], answers[0].body["message"]);
    assert_eq!(provider_calls(&stub).await, 1);
}

async fn a_reply_is_still_stored_when_its_requester_disconnects(backend: Backend) {
    let Some((app, stub)) = app_with_slow_provider(backend, Duration::from_millis(600)).await
    else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let request = app
        .widget(Method::POST, "/chat")
        .timeout(Duration::from_millis(150))
        .json(&json!({ "sessionId": session, "message": "When do you roast?", "clientMessageId": "m-1" }));
    assert!(request.send().await.is_err(), "the client gave up first");
    // While the first call is under way, a retry joins it rather than calling again.
    let retry = app.chat(&session, "When do you roast?", "m-1").await;
    assert_eq!(retry.status, 200, "{:?}", retry.body);
    assert_eq!(retry.body["message"]["body"], "We roast on Mondays.");
    assert_eq!(provider_calls(&stub).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
}
