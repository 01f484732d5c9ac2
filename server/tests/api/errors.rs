use reqwest::Method;

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    malformed_json_is_a_400_naming_the_problem,
    a_missing_field_is_a_400_naming_the_field,
    a_non_json_body_is_a_415,
    an_empty_or_overlong_message_is_a_422,
    a_bad_client_message_id_is_a_422,
    an_oversized_body_is_a_413,
    an_unknown_session_is_a_404,
    an_address_guessing_session_ids_is_refused_before_the_lookup,
    unknown_routes_and_methods_answer_json,
);

async fn malformed_json_is_a_400_naming_the_problem(app: TestApp) {
    let request = app
        .widget(Method::POST, "/chat")
        .header("content-type", "application/json")
        .body("{\"sessionId\": ");
    let answer = app.send(request).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "malformed_json");
}

async fn a_missing_field_is_a_400_naming_the_field(app: TestApp) {
    let request = app
        .widget(Method::POST, "/chat")
        .json(&serde_json::json!({ "sessionId": "s", "message": "hi" }));
    let answer = app.send(request).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "invalid_body");
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("clientMessageId"), "{message}");
}

async fn a_non_json_body_is_a_415(app: TestApp) {
    let request = app.widget(Method::POST, "/chat").body("message=hi");
    let answer = app.send(request).await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.code(), "unsupported_media_type");
}

async fn an_empty_or_overlong_message_is_a_422(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let empty = app.chat(&session, "   ", "m-1").await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.body["error"]["field"], "message");
    let long = "a".repeat(shared::text::MAX_MESSAGE_CHARS + 1);
    let overlong = app.chat(&session, &long, "m-2").await;
    assert_eq!(overlong.status, 422);
    assert_eq!(overlong.code(), "invalid_message");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
}

async fn a_bad_client_message_id_is_a_422(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app.chat(&session, "hi", "has spaces!").await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["error"]["field"], "clientMessageId");
}

async fn an_oversized_body_is_a_413(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let huge = "a".repeat(100 * 1024);
    let answer = app.chat(&session, &huge, "m-1").await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.code(), "payload_too_large");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
}

async fn an_unknown_session_is_a_404(app: TestApp) {
    let history = app.history("ses_does_not_exist").await;
    assert_eq!(history.status, 404);
    assert_eq!(history.code(), "session_not_found");
    let chat = app.chat("ses_does_not_exist", "hi", "m-1").await;
    assert_eq!(chat.status, 404);
}

async fn an_address_guessing_session_ids_is_refused_before_the_lookup(app: TestApp) {
    // The widget token is public: a stranger can name session ids all day. Each miss is
    // counted against the address (a burst of 30); past it, the address is refused without a
    // lookup until the bucket refills.
    for i in 0..30 {
        let miss = app
            .chat(&format!("ses_guess_{i}"), "hi", &format!("m-{i}"))
            .await;
        assert_eq!(miss.status, 404, "miss {i}: {:?}", miss.body);
    }
    let refused = app.chat("ses_guess_30", "hi", "m-30").await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(refused.code(), "too_many_unknown_sessions");
    assert!(refused.headers.contains_key("retry-after"));
    let history = app.history("ses_guess_31").await;
    assert_eq!(history.status, 429);
    assert_eq!(history.code(), "too_many_unknown_sessions");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
}

async fn unknown_routes_and_methods_answer_json(app: TestApp) {
    let missing = app.send(app.http.get(app.url("/api/nothing-here"))).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "route_not_found");
    let wrong_method = app.send(app.widget(Method::DELETE, "/chat")).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.code(), "method_not_allowed");
}

mod rate_limit {
    use super::*;

    async fn a_session_sending_too_fast_gets_a_429_with_retry_after(app: TestApp) {
        let session = app.session_with_contact("Jane", "jane@example.com").await;
        for i in 0..3 {
            let ok = app
                .chat(&session, "Do you ship to Canada?", &format!("m-{i}"))
                .await;
            assert_eq!(ok.status, 200, "{:?}", ok.body);
        }
        let limited = app.chat(&session, "Do you ship to Canada?", "m-3").await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.code(), "rate_limited");
        let retry_after: u64 = limited.headers["retry-after"]
            .to_str()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        assert!(retry_after >= 1);
        // A retry of an answered message is not a new message: it is served, not limited.
        let retry = app.chat(&session, "Do you ship to Canada?", "m-0").await;
        assert_eq!(retry.status, 200);
        // Another session is not affected.
        let other = app.session_with_contact("Joe", "joe@example.com").await;
        assert_eq!(app.chat(&other, "hi", "m-0").await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 8);
    }

    const LIMITS: &[(&str, &str)] = &[
        ("LIVECHAT_MESSAGE_BURST", "3"),
        ("LIVECHAT_MESSAGES_PER_MINUTE", "1"),
    ];

    #[tokio::test]
    async fn sqlite() {
        let app = spawn_app_with(Backend::Sqlite, LIMITS).await.expect("app");
        a_session_sending_too_fast_gets_a_429_with_retry_after(app).await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(app) = spawn_app_with(Backend::Postgres, LIMITS).await {
            a_session_sending_too_fast_gets_a_429_with_retry_after(app).await;
        }
    }
}
